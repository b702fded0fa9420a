package com.nosto.klaviyo.emulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the emulator standalone for the local run and demos.
 * <pre>
 * java -cp ... com.nosto.klaviyo.emulator.KlaviyoEmulatorMain [--port 8089] [--host 127.0.0.1] [--key pk_demo]...
 *      [--rate-limit-scale 1.0] [--no-rate-limits] [--bulk-job-delay-ms 200] [--spec path/to/stable.json]
 * </pre>
 * A bare number as the first argument is the port. Keys also come from env {@code KLAVIYO_EMULATOR_KEYS} (comma-separated).
 */
public final class KlaviyoEmulatorMain {

    private KlaviyoEmulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println("usage: KlaviyoEmulatorMain [PORT] [--port N] [--host H] [--key KEY]... [--rate-limit-scale X]"
                    + " [--no-rate-limits] [--bulk-job-delay-ms N] [--spec PATH]");
            return;
        }
        EmulatorConfig config = parse(args, System.getenv("KLAVIYO_EMULATOR_KEYS"));
        List<String> keys = config.apiKeys();
        KlaviyoEmulator emulator = KlaviyoEmulator.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }));
        System.out.printf("Klaviyo emulator listening at %s (keys registered: %d; rate limits: %s, scale %s; UI %s/__emulator/ui)%n",
                emulator.baseUrl(), keys.size(), emulator.rateLimits().source(), config.rateLimitScale(), emulator.baseUrl());
        stopped.await();
    }

    /** Command line (and the comma-separated env keys) to a config; port 8089 unless told otherwise. */
    static EmulatorConfig parse(String[] args, String envKeys) {
        EmulatorConfig config = EmulatorConfig.defaults().withPort(8089);
        List<String> keys = new ArrayList<>();
        if (envKeys != null) {
            for (String k : envKeys.split(",")) {
                if (!k.isBlank()) {
                    keys.add(k.trim());
                }
            }
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> config = config.withPort(Integer.parseInt(args[++i]));
                case "--host" -> config = config.withHost(args[++i]);
                case "--key" -> keys.add(args[++i]);
                case "--rate-limit-scale" -> config = config.withRateLimitScale(Double.parseDouble(args[++i]));
                case "--no-rate-limits" -> config = config.withRateLimitsEnabled(false);
                case "--bulk-job-delay-ms" -> config = config.withBulkJobDelay(Duration.ofMillis(Long.parseLong(args[++i])));
                case "--spec" -> config = config.withSpecPath(Path.of(args[++i]));
                default -> {
                    if (i == 0 && a.matches("\\d+")) {
                        config = config.withPort(Integer.parseInt(a));
                    } else {
                        throw new IllegalArgumentException("Unknown argument: " + a);
                    }
                }
            }
        }
        return config.withApiKeys(keys);
    }
}
