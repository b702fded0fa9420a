package com.nosto.klaviyo.e2e.harness;

import com.nosto.klaviyo.testsupport.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service of the system as a separate OS process, started from its built runnable jar
 * ({@code <module>/target/quarkus-app/quarkus-run.jar}), so end-to-end tests can kill -9 and restart it. It listens on
 * two ports: the API ({@link #baseUrl()}) and the management interface ({@link #managementUrl()}: health, metrics).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Path jar;
    private final int port;
    private final int managementPort = Ports.free();
    private final Map<String, String> env;
    private final List<String> systemProperties;
    private final List<String> jvmOptions;
    private final Path log;
    private Process process;

    /** The JVM options every service gets unless told otherwise: small and quiet (three services share two cores). */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC");

    public ServiceProcess(Path root, String module, int port, Map<String, String> env, Map<String, String> systemProperties,
            Path logDir) {
        this(root, module, port, env, systemProperties, DEFAULT_JVM_OPTIONS, logDir);
    }

    /** As above with explicit JVM options (the benchmarks run sync-worker with {@code -Xmx512m}). */
    public ServiceProcess(Path root, String module, int port, Map<String, String> env, Map<String, String> systemProperties,
            List<String> jvmOptions, Path logDir) {
        this(root, module, module, port, env, systemProperties, jvmOptions, logDir);
    }

    /** One of several instances of {@code module}: {@code name} tells it apart (its log is {@code <name>.log}). */
    public ServiceProcess(Path root, String module, String name, int port, Map<String, String> env,
            Map<String, String> systemProperties, List<String> jvmOptions, Path logDir) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.name = name;
        this.systemProperties = systemProperties.entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue()).toList();
        this.jar = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        this.port = port;
        this.env = env;
        this.log = logDir.resolve(name + ".log");
    }

    public String name() {
        return name;
    }

    /** The file its console output is appended to (across restarts). */
    public Path log() {
        return log;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Where {@code /q/health/*} and {@code /q/metrics} are. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public ServiceProcess start() {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (mvn package)");
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(jvmOptions);
        cmd.addAll(systemProperties);
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("HTTP_PORT", Integer.toString(port));
        pb.environment().put("MANAGEMENT_PORT", Integer.toString(managementPort));
        try {
            Files.createDirectories(log.getParent());
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start " + name, e);
        }
        return this;
    }

    public ServiceProcess awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            if (ready()) {
                return this;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log);
    }

    /** OS process id of the running service (for jcmd/jstat), or -1 when not started. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public boolean ready() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no graceful close (G9). */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitFor()) {
                kill();
            }
        }
    }

    private boolean waitFor() {
        try {
            return process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
