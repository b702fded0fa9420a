package com.nosto.klaviyo.e2e.harness;

import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.EmulatorConfig;
import com.nosto.klaviyo.emulator.KlaviyoEmulator;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.Ports;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole system for an end-to-end test: a real broker, a fresh PostgreSQL database, the Klaviyo
 * emulator (in this JVM, over HTTP) and the three services as separate processes started from their
 * built jars, with shortened windows. Services can be killed (-9) and restarted.
 */
public final class SystemUnderTest implements AutoCloseable {

    public static final String LIST_NAME = "Nosto Customers";
    private static final String DEV_KEK = "ZTJlLW9ubHktZTJlLW9ubHktZTJlLW9ubHktZTJlLTE=";

    private final String kafka;
    private final KlaviyoEmulator emulator;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final SyncApi api;
    private final Duration readyTimeout;
    /** The services' database: {@code quarkus.datasource.jdbc.url}, {@code .username}, {@code .password}. */
    private final Map<String, String> database;

    /**
     * How to start the system. {@link #of} gives what the e2e suite uses; the withers are hooks for the
     * benchmarks (an emulator with real rate limits, bigger heaps, per-service settings).
     *
     * @param emulator           the emulator's configuration
     * @param jvmOptions         per module: JVM options replacing {@link ServiceProcess#DEFAULT_JVM_OPTIONS}
     * @param systemProperties   per module: extra {@code -D} settings (added to the shared ones)
     * @param logDir             where each service's log goes
     * @param readyTimeout       how long each service may take to become ready (start and restart)
     */
    public record Options(Duration regularWindow, Duration firstEnableWindow, EmulatorConfig emulator,
            Map<String, List<String>> jvmOptions, Map<String, Map<String, String>> systemProperties, Path logDir,
            Duration readyTimeout) {

        public static Options of(Duration regularWindow, Duration firstEnableWindow) {
            return new Options(regularWindow, firstEnableWindow,
                    EmulatorConfig.defaults().withRateLimitsEnabled(false).withBulkJobDelay(Duration.ofMillis(50)),
                    Map.of(), Map.of(), ProjectRoot.find().resolve("e2e/target/e2e-logs"), Duration.ofSeconds(120));
        }

        public Options withReadyTimeout(Duration timeout) {
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, systemProperties, logDir, timeout);
        }

        public Options withEmulator(EmulatorConfig config) {
            return new Options(regularWindow, firstEnableWindow, config, jvmOptions, systemProperties, logDir, readyTimeout);
        }

        public Options withJvmOptions(String module, List<String> options) {
            Map<String, List<String>> m = new HashMap<>(jvmOptions);
            m.put(module, List.copyOf(options));
            return new Options(regularWindow, firstEnableWindow, emulator, Map.copyOf(m), systemProperties, logDir, readyTimeout);
        }

        public Options withSystemProperties(String module, Map<String, String> properties) {
            Map<String, Map<String, String>> m = new HashMap<>(systemProperties);
            m.put(module, Map.copyOf(properties));
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, Map.copyOf(m), logDir, readyTimeout);
        }

        public Options withLogDir(Path dir) {
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, systemProperties, dir, readyTimeout);
        }
    }

    private SystemUnderTest(Options options) {
        Duration regularWindow = options.regularWindow();
        Duration firstEnableWindow = options.firstEnableWindow();
        Path root = ProjectRoot.find();
        readyTimeout = options.readyTimeout();
        kafka = KafkaTestResource.bootstrapServers();
        KafkaTestResource.createTopics(kafka, Map.of(
                Topics.SEGMENT_EVENTS, 6, Topics.SEGMENT_EVENTS_DLQ, 1,
                Topics.MEMBERSHIP_CHANGES, 6, Topics.MEMBERSHIP_CHANGES_DLQ, 1,
                Topics.SYNC_BATCHES, 6, Topics.SYNC_BATCHES_DLQ, 1));
        Map<String, String> db = new PostgresTestResource().start();
        database = Map.copyOf(db);
        emulator = KlaviyoEmulator.start(options.emulator());

        String jdbc = db.get("quarkus.datasource.jdbc.url");
        String hostPortDb = jdbc.substring("jdbc:postgresql://".length());
        String host = hostPortDb.substring(0, hostPortDb.indexOf(':'));
        String port = hostPortDb.substring(hostPortDb.indexOf(':') + 1, hostPortDb.indexOf('/'));
        String dbName = hostPortDb.substring(hostPortDb.indexOf('/') + 1);

        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("POSTGRES_HOST", host);
        env.put("POSTGRES_PORT", port);
        env.put("POSTGRES_DB", dbName);
        env.put("POSTGRES_USER", db.get("quarkus.datasource.username"));
        env.put("POSTGRES_PASSWORD", db.get("quarkus.datasource.password"));
        env.put("JWT_PUBLIC_KEY_LOCATION", root.resolve("test-support/src/main/resources/test-jwt/publicKey.pem").toString());
        env.put("KLAVIYO_BASE_URL", emulator.baseUrl());
        env.put("SYNC_WORKER_REGULAR_WINDOW", regularWindow.toString());
        env.put("SYNC_WORKER_FIRST_ENABLE_WINDOW", firstEnableWindow.toString());
        env.put("SYNC_WORKER_RELEASE_TICK", "PT0.5S");
        env.put("GATEWAY_CRYPTO_ACTIVE_KEY_ID", "e2e-1");
        // Map-valued settings are given as system properties: environment names cannot carry the key id's dash.
        Map<String, String> props = Map.of("gateway.crypto.keys.e2e-1", DEV_KEK);
        // Quiet, small JVMs: three services share two cores with the broker and this test.
        env.put("QUARKUS_LOG_LEVEL", "INFO");
        // The admin page (admin-ui, served by the gateway on a random port here) calls segment-service and
        // sync-worker from the browser: let any local origin through CORS. ADMIN_UI_ORIGINS is what the services'
        // application.properties read; the QUARKUS_HTTP_CORS_* pair enables it before that wiring exists.
        env.put("ADMIN_UI_ORIGINS", "/http://127\\.0\\.0\\.1:[0-9]+/");
        env.put("QUARKUS_HTTP_CORS_ENABLED", "true");
        env.put("QUARKUS_HTTP_CORS_ORIGINS", "/http://127\\.0\\.0\\.1:[0-9]+/");

        Path logs = options.logDir();
        for (String module : List.of("segment-service", "sync-worker", "klaviyo-gateway")) {
            Map<String, String> moduleProps = new HashMap<>(props);
            moduleProps.putAll(options.systemProperties().getOrDefault(module, Map.of()));
            List<String> jvm = options.jvmOptions().getOrDefault(module, ServiceProcess.DEFAULT_JVM_OPTIONS);
            services.put(module, new ServiceProcess(root, module, Ports.free(), env, moduleProps, jvm, logs));
        }
        try {
            services.values().forEach(ServiceProcess::start);
            services.values().forEach(s -> s.awaitReady(readyTimeout));
        } catch (RuntimeException e) {
            // Do not leave the other services running (and connected to a database about to be dropped).
            close();
            throw e;
        }
        api = new SyncApi(service("segment-service").baseUrl(), service("sync-worker").baseUrl(), service("klaviyo-gateway").baseUrl());
    }

    public static SystemUnderTest start(Duration regularWindow, Duration firstEnableWindow) {
        return new SystemUnderTest(Options.of(regularWindow, firstEnableWindow));
    }

    public static SystemUnderTest start(Options options) {
        return new SystemUnderTest(options);
    }

    public SyncApi api() {
        return api;
    }

    public KlaviyoEmulator klaviyo() {
        return emulator;
    }

    public String kafkaBootstrapServers() {
        return kafka;
    }

    /** JDBC settings of the services' database (for probes reading PostgreSQL's own statistics). */
    public Map<String, String> database() {
        return database;
    }

    public ServiceProcess service(String module) {
        return services.get(module);
    }

    /** kill -9 and start again, waiting for readiness (G9). */
    public void crashAndRestart(String module) {
        ServiceProcess s = services.get(module);
        s.kill();
        s.start().awaitReady(readyTimeout);
    }

    /** Stops every service (SIGTERM), runs {@code whileStopped}, starts them again and waits for readiness. */
    public void stopAllAndRestart(Runnable whileStopped) {
        List<ServiceProcess> reversed = new ArrayList<>(services.values());
        java.util.Collections.reverse(reversed);
        reversed.forEach(ServiceProcess::close);
        whileStopped.run();
        services.values().forEach(ServiceProcess::start);
        services.values().forEach(s -> s.awaitReady(readyTimeout));
    }

    /** What Klaviyo shows for every profile of the account behind {@code apiKey}, as the model's type. */
    public Map<String, KlaviyoModel.Expected> klaviyoState(String apiKey) {
        EmulatedAccount account = emulator.account(apiKey);
        Set<String> members = new LinkedHashSet<>(account.listByName(LIST_NAME).map(KlaviyoList::id)
                .map(account::listMemberEmails).orElse(List.of()));
        Map<String, KlaviyoModel.Expected> state = new HashMap<>();
        for (Profile p : account.profiles()) {
            Object segment = p.properties().get("nosto_segment");
            Object segments = p.properties().get("nosto_segments");
            Set<String> names = new LinkedHashSet<>();
            if (segments instanceof List<?> l) {
                l.forEach(v -> names.add(String.valueOf(v)));
            } else if (segments != null) {
                names.add(String.valueOf(segments));
            }
            state.put(p.email(), new KlaviyoModel.Expected(members.contains(p.email()), segment == null ? null : segment.toString(), names));
        }
        return state;
    }

    /** Number of profiles per email: more than one would break G5. */
    public Map<String, Integer> profileCounts(String apiKey) {
        Map<String, Integer> counts = new HashMap<>();
        emulator.account(apiKey).profiles().forEach(p -> counts.merge(p.email(), 1, Integer::sum));
        return counts;
    }

    @Override
    public void close() {
        List<ServiceProcess> reversed = new ArrayList<>(services.values());
        java.util.Collections.reverse(reversed);
        reversed.forEach(ServiceProcess::close);
        emulator.close();
    }
}
