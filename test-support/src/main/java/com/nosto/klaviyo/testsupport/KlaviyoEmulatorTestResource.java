package com.nosto.klaviyo.testsupport;

import com.nosto.klaviyo.emulator.EmulatorConfig;
import com.nosto.klaviyo.emulator.KlaviyoEmulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * Hands a Quarkus test the Klaviyo emulator: one instance per test JVM, shared by all test classes and closed when
 * the JVM exits. Returns {@code klaviyo.base-url}. Tests reach the emulator's state and faults through
 * {@link #emulator()} and should use a fresh API key (hence a fresh, isolated account) per test.
 * <p>Init args (all optional): {@code rateLimitScale} (default 1.0), {@code rateLimits} (true/false),
 * {@code bulkJobDelayMs} (default 200), {@code keys} (comma-separated keys to pre-register).
 */
public class KlaviyoEmulatorTestResource implements QuarkusTestResourceLifecycleManager {

    private static KlaviyoEmulator emulator;

    private EmulatorConfig config = EmulatorConfig.defaults();
    private String keys = "";

    @Override
    public void init(Map<String, String> initArgs) {
        if (initArgs.containsKey("rateLimitScale")) {
            config = config.withRateLimitScale(Double.parseDouble(initArgs.get("rateLimitScale")));
        }
        if (initArgs.containsKey("rateLimits")) {
            config = config.withRateLimitsEnabled(Boolean.parseBoolean(initArgs.get("rateLimits")));
        }
        if (initArgs.containsKey("bulkJobDelayMs")) {
            config = config.withBulkJobDelay(Duration.ofMillis(Long.parseLong(initArgs.get("bulkJobDelayMs"))));
        }
        keys = initArgs.getOrDefault("keys", "");
    }

    @Override
    public Map<String, String> start() {
        KlaviyoEmulator running = start(config);
        for (String key : keys.split(",")) {
            if (!key.isBlank()) {
                running.account(key.trim());
            }
        }
        return Map.of("klaviyo.base-url", running.baseUrl());
    }

    @Override
    public void stop() {
        // Shared for the whole JVM; the shutdown hook closes it.
    }

    private static synchronized KlaviyoEmulator start(EmulatorConfig config) {
        if (emulator == null) {
            emulator = KlaviyoEmulator.start(config);
            Runtime.getRuntime().addShutdownHook(new Thread(emulator::close));
        }
        return emulator;
    }

    /** The running emulator (started on first use if no test resource started it yet). */
    public static synchronized KlaviyoEmulator emulator() {
        return start(EmulatorConfig.defaults());
    }
}
