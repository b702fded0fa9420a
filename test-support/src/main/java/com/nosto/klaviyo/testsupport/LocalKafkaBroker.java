package com.nosto.klaviyo.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Kafka broker (KRaft) run as a separate JVM through {@code deploy/local/kafka}, so tests and
 * the local run use one launcher. Ports are free ports and the data folder is private to this broker, so it
 * can be stopped and restarted in place (a broker outage in a test); the script's watchdog stops the broker if this JVM dies without running its shutdown hook.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private final Path root;
    private final Path dataDir;
    private final int port;
    private final int controllerPort;

    private LocalKafkaBroker(Path root, Path dataDir, int port, int controllerPort) {
        this.root = root;
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public static LocalKafkaBroker start() {
        try {
            return start(Files.createTempDirectory("kafka-test-"));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the local Kafka broker", e);
        }
    }

    /** Starts a broker keeping its data in {@code dataDir} (removed again by {@link #close()}). */
    public static LocalKafkaBroker start(Path dataDir) {
        int[] ports = Ports.free(2);
        LocalKafkaBroker broker = new LocalKafkaBroker(ProjectRoot.find(), dataDir, ports[0], ports[1]);
        broker.script("start");
        return broker;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Stops the broker (SIGTERM, as a rolling restart does) and keeps its ports and data for {@link #restart()}. */
    public void stop() {
        script("stop");
    }

    /** Starts the broker again after {@link #stop()}: same ports, same topics, records and committed offsets. */
    public void restart() {
        script("start");
    }

    @Override
    public void close() {
        script("stop");
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private void script(String command) {
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", root.resolve("deploy/local/kafka").toString(), command))
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("script-" + command + ".out").toFile());
        Map<String, String> env = pb.environment();
        env.put("KAFKA_DATA_DIR", dataDir.toString());
        env.put("KAFKA_PORT", Integer.toString(port));
        env.put("KAFKA_CONTROLLER_PORT", Integer.toString(controllerPort));
        env.put("KAFKA_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        try {
            int exit = pb.start().waitFor();
            if (exit != 0) {
                String out = Files.readString(dataDir.resolve("script-" + command + ".out"));
                throw new IllegalStateException("deploy/local/kafka " + command + " failed (" + exit + "):\n" + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run deploy/local/kafka " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running deploy/local/kafka " + command, e);
        }
    }
}
