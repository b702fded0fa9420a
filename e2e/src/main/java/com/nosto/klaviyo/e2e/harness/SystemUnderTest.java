package com.nosto.klaviyo.e2e.harness;

import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.EmulatorConfig;
import com.nosto.klaviyo.emulator.KlaviyoEmulator;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.LocalKafkaBroker;
import com.nosto.klaviyo.testsupport.Ports;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import com.nosto.klaviyo.testsupport.TcpProxy;
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
 *
 * <p>With {@link Options#withInstances} every service runs as several processes (as the chart's replicas), and with
 * {@link Options#withFailureDrills} the system is wired so a test can inject what an SRE meets: the services reach
 * PostgreSQL through a {@link TcpProxy} that can be cut, the broker is this system's own and can be stopped and
 * restarted, and each gateway instance reaches Klaviyo through a {@link KlaviyoRecorder} address of its own.
 */
public final class SystemUnderTest implements AutoCloseable {

    public static final String LIST_NAME = "Nosto Customers";
    private static final String DEV_KEK = "ZTJlLW9ubHktZTJlLW9ubHktZTJlLW9ubHktZTJlLTE=";

    private static final List<String> MODULES = List.of("segment-service", "sync-worker", "klaviyo-gateway");
    /** The API port of each module's first instance, known before any starts (the admin page's addresses). */
    private final Map<String, Integer> firstPorts = new HashMap<>();

    private final Path root = ProjectRoot.find();
    private final Options options;
    private final String kafka;
    private final LocalKafkaBroker broker;
    private final KlaviyoEmulator emulator;
    private final KlaviyoRecorder recorder;
    private final TcpProxy databaseProxy;
    /** Per module, its running instances; the first is the one {@link #service} and {@link #api()} use. */
    private final Map<String, List<ServiceProcess>> services = new LinkedHashMap<>();
    private final Map<String, String> env = new HashMap<>();
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
            Duration readyTimeout, int instances, boolean failureDrills) {

        public static Options of(Duration regularWindow, Duration firstEnableWindow) {
            return new Options(regularWindow, firstEnableWindow,
                    EmulatorConfig.defaults().withRateLimitsEnabled(false).withBulkJobDelay(Duration.ofMillis(50)),
                    Map.of(), Map.of(), ProjectRoot.find().resolve("e2e/target/e2e-logs"), Duration.ofSeconds(120), 1, false);
        }

        public Options withReadyTimeout(Duration timeout) {
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, systemProperties, logDir, timeout,
                    instances, failureDrills);
        }

        public Options withEmulator(EmulatorConfig config) {
            return new Options(regularWindow, firstEnableWindow, config, jvmOptions, systemProperties, logDir, readyTimeout,
                    instances, failureDrills);
        }

        public Options withJvmOptions(String module, List<String> options) {
            Map<String, List<String>> m = new HashMap<>(jvmOptions);
            m.put(module, List.copyOf(options));
            return new Options(regularWindow, firstEnableWindow, emulator, Map.copyOf(m), systemProperties, logDir, readyTimeout,
                    instances, failureDrills);
        }

        public Options withSystemProperties(String module, Map<String, String> properties) {
            Map<String, Map<String, String>> m = new HashMap<>(systemProperties);
            m.put(module, Map.copyOf(properties));
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, Map.copyOf(m), logDir, readyTimeout,
                    instances, failureDrills);
        }

        public Options withLogDir(Path dir) {
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, systemProperties, dir, readyTimeout,
                    instances, failureDrills);
        }

        /** Every service runs as {@code count} processes from the start. */
        public Options withInstances(int count) {
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, systemProperties, logDir, readyTimeout,
                    count, failureDrills);
        }

        /** PostgreSQL behind a proxy that can be cut, a broker of its own that can be stopped, recorded Klaviyo calls. */
        public Options withFailureDrills() {
            return new Options(regularWindow, firstEnableWindow, emulator, jvmOptions, systemProperties, logDir, readyTimeout,
                    instances, true);
        }
    }

    private SystemUnderTest(Options options) {
        this.options = options;
        readyTimeout = options.readyTimeout();
        // Failure drills stop the broker, so they get one of their own rather than the JVM's shared one.
        broker = options.failureDrills() ? LocalKafkaBroker.start() : null;
        kafka = broker != null ? broker.bootstrapServers() : KafkaTestResource.bootstrapServers();
        KafkaTestResource.createTopics(kafka, Map.of(
                Topics.SEGMENT_EVENTS, 6, Topics.SEGMENT_EVENTS_DLQ, 1,
                Topics.MEMBERSHIP_CHANGES, 6, Topics.MEMBERSHIP_CHANGES_DLQ, 1,
                Topics.SYNC_BATCHES, 6, Topics.SYNC_BATCHES_DLQ, 1));
        Map<String, String> db = new PostgresTestResource().start();
        database = Map.copyOf(db);
        emulator = KlaviyoEmulator.start(options.emulator());
        recorder = options.failureDrills() ? new KlaviyoRecorder(emulator.baseUrl()) : null;

        String jdbc = db.get("quarkus.datasource.jdbc.url");
        String hostPortDb = jdbc.substring("jdbc:postgresql://".length());
        String host = hostPortDb.substring(0, hostPortDb.indexOf(':'));
        String port = hostPortDb.substring(hostPortDb.indexOf(':') + 1, hostPortDb.indexOf('/'));
        String dbName = hostPortDb.substring(hostPortDb.indexOf('/') + 1);
        databaseProxy = options.failureDrills() ? TcpProxy.start(host, Integer.parseInt(port)) : null;

        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("POSTGRES_HOST", databaseProxy != null ? "127.0.0.1" : host);
        env.put("POSTGRES_PORT", databaseProxy != null ? Integer.toString(databaseProxy.port()) : port);
        env.put("POSTGRES_DB", dbName);
        env.put("POSTGRES_USER", db.get("quarkus.datasource.username"));
        env.put("POSTGRES_PASSWORD", db.get("quarkus.datasource.password"));
        env.put("JWT_PUBLIC_KEY_LOCATION", root.resolve("test-support/src/main/resources/test-jwt/publicKey.pem").toString());
        env.put("KLAVIYO_BASE_URL", emulator.baseUrl());
        env.put("SYNC_WORKER_REGULAR_WINDOW", options.regularWindow().toString());
        env.put("SYNC_WORKER_FIRST_ENABLE_WINDOW", options.firstEnableWindow().toString());
        env.put("SYNC_WORKER_RELEASE_TICK", "PT0.5S");
        env.put("GATEWAY_CRYPTO_ACTIVE_KEY_ID", "e2e-1");
        // Quiet, small JVMs: three services share two cores with the broker and this test.
        env.put("QUARKUS_LOG_LEVEL", "INFO");
        // The admin page (admin-ui, served by each gateway) calls segment-service and sync-worker from the browser:
        // the gateway tells it where their first instances are (its CSP allows only those), they let local origins in.
        int[] ports = Ports.free(MODULES.size());
        for (int i = 0; i < MODULES.size(); i++) {
            firstPorts.put(MODULES.get(i), ports[i]);
        }
        env.put("ADMIN_UI_ORIGINS", "/http://127\\.0\\.0\\.1:[0-9]+/");
        env.put("ADMIN_UI_SEGMENT_SERVICE_URL", "http://127.0.0.1:" + firstPorts.get("segment-service"));
        env.put("ADMIN_UI_SYNC_WORKER_URL", "http://127.0.0.1:" + firstPorts.get("sync-worker"));
        try {
            for (String module : MODULES) {
                List<ServiceProcess> list = new ArrayList<>();
                for (int i = 0; i < options.instances(); i++) {
                    list.add(newInstance(module, i).start());
                }
                services.put(module, list);
            }
            all().forEach(s -> s.awaitReady(readyTimeout));
        } catch (RuntimeException e) {
            // Do not leave the other services running (and connected to a database about to be dropped).
            close();
            throw e;
        }
        api = api(0);
    }

    /** Instance {@code index} of {@code module}: its own HTTP port and log, and (in drills) its own Klaviyo address. */
    private ServiceProcess newInstance(String module, int index) {
        String name = index == 0 ? module : module + "-" + (index + 1);
        Map<String, String> instanceEnv = new HashMap<>(env);
        if (recorder != null && module.equals("klaviyo-gateway")) {
            instanceEnv.put("KLAVIYO_BASE_URL", recorder.endpoint(name));
        }
        // Map-valued settings are given as system properties: environment names cannot carry the key id's dash.
        Map<String, String> props = new HashMap<>(Map.of("gateway.crypto.keys.e2e-1", DEV_KEK));
        props.putAll(options.systemProperties().getOrDefault(module, Map.of()));
        List<String> jvm = options.jvmOptions().getOrDefault(module, ServiceProcess.DEFAULT_JVM_OPTIONS);
        int port = index == 0 ? firstPorts.get(module) : Ports.free();
        return new ServiceProcess(root, module, name, port, instanceEnv, props, jvm, options.logDir());
    }

    public static SystemUnderTest start(Duration regularWindow, Duration firstEnableWindow) {
        return new SystemUnderTest(Options.of(regularWindow, firstEnableWindow));
    }

    public static SystemUnderTest start(Options options) {
        return new SystemUnderTest(options);
    }

    /** The public API through the first instance of each service. */
    public SyncApi api() {
        return api;
    }

    /** The public API through instance {@code index} of each service (as a load balancer would pick it). */
    public SyncApi api(int index) {
        return new SyncApi(instance("segment-service", index).baseUrl(), instance("sync-worker", index).baseUrl(),
                instance("klaviyo-gateway", index).baseUrl());
    }

    public KlaviyoEmulator klaviyo() {
        return emulator;
    }

    public String kafkaBootstrapServers() {
        return kafka;
    }

    /** JDBC settings of the services' database (direct, not through the proxy: for probes and checks). */
    public Map<String, String> database() {
        return database;
    }

    /** The first instance of {@code module}. */
    public ServiceProcess service(String module) {
        return services.get(module).get(0);
    }

    /** Instance {@code index} of {@code module}, counting round when there are fewer. */
    public ServiceProcess instance(String module, int index) {
        List<ServiceProcess> list = services.get(module);
        return list.get(Math.floorMod(index, list.size()));
    }

    public List<ServiceProcess> instances(String module) {
        return List.copyOf(services.get(module));
    }

    /** kill -9 and start again, waiting for readiness (G9). */
    public void crashAndRestart(String module) {
        ServiceProcess s = service(module);
        s.kill();
        s.start().awaitReady(readyTimeout);
    }

    /** Starts one more instance of {@code module} (a scale-up: its consumers join and the partitions rebalance). */
    public ServiceProcess addInstance(String module) {
        List<ServiceProcess> list = services.get(module);
        ServiceProcess added = newInstance(module, list.size());
        list.add(added);
        added.start().awaitReady(readyTimeout);
        return added;
    }

    /** Stops the newest instance of {@code module} with SIGTERM (a scale-down: it leaves and the partitions rebalance). */
    public void removeInstance(String module) {
        List<ServiceProcess> list = services.get(module);
        if (list.size() < 2) {
            throw new IllegalStateException("the last instance of " + module + " stays");
        }
        list.remove(list.size() - 1).close();
    }

    /** Stops every service (SIGTERM), runs {@code whileStopped}, starts them again and waits for readiness. */
    public void stopAllAndRestart(Runnable whileStopped) {
        List<ServiceProcess> reversed = all();
        java.util.Collections.reverse(reversed);
        reversed.forEach(ServiceProcess::close);
        whileStopped.run();
        all().forEach(ServiceProcess::start);
        all().forEach(s -> s.awaitReady(readyTimeout));
    }

    /**
     * Stops every instance of {@code module} (SIGTERM: a Deployment scaled to 0) while the other services run on, runs
     * {@code whileStopped}, starts them again and waits for readiness.
     */
    public void stopAndRestart(String module, Runnable whileStopped) {
        List<ServiceProcess> list = services.get(module);
        list.forEach(ServiceProcess::close);
        whileStopped.run();
        list.forEach(ServiceProcess::start);
        list.forEach(s -> s.awaitReady(readyTimeout));
    }

    /** The proxy between the services and PostgreSQL ({@link Options#withFailureDrills} only). */
    public TcpProxy databaseProxy() {
        return drill(databaseProxy);
    }

    /** This system's own broker, to stop and restart ({@link Options#withFailureDrills} only). */
    public LocalKafkaBroker kafkaBroker() {
        return drill(broker);
    }

    /** Klaviyo calls by gateway instance ({@link Options#withFailureDrills} only). */
    public KlaviyoRecorder klaviyoRecorder() {
        return drill(recorder);
    }

    private static <T> T drill(T part) {
        if (part == null) {
            throw new IllegalStateException("start the system with Options.withFailureDrills()");
        }
        return part;
    }

    private List<ServiceProcess> all() {
        List<ServiceProcess> all = new ArrayList<>();
        services.values().forEach(all::addAll);
        return all;
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
        List<ServiceProcess> reversed = all();
        java.util.Collections.reverse(reversed);
        reversed.forEach(ServiceProcess::close);
        emulator.close();
        for (AutoCloseable part : new AutoCloseable[] {recorder, databaseProxy, broker}) {
            if (part != null) {
                try {
                    part.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        }
    }
}
