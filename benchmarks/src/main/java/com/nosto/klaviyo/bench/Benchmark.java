package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.seconds;

import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.EmulatorConfig;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One benchmark run: starts the whole system once (broker, database, emulator, the three services as processes)
 * and measures the figures, each against a limit measured or computed in the same run. Order: the Klaviyo window
 * first ({@link WindowFigures}: figures 2, 3, 6, on a quiet system), then many accounts at once
 * ({@link AccountsFigure}: 7) and a large first enable ({@link FirstEnableFigure}: 8), also on a quiet system, then
 * throughput ({@link ThroughputFigure}: 1, and {@link KafkaFloorFigure}: 9, figure 1 against the Kafka-only relay),
 * memory ({@link MemoryFigure}: 4), the replay of every topic ({@link ReplayFigure}: 5), which re-reads all of the
 * above, figures 1 and 7 again with one and with two instances of every service ({@link ReplicasFigure}: 10), and last
 * the audit of the window's account ({@link AuditFigure}: A), whose drift and repair change what Klaviyo holds for it.
 */
public final class Benchmark {

    /** The parts of a run, in the order they run; replay and audit need the window's account. */
    public enum Part { WINDOW, ACCOUNTS, FIRST_ENABLE, THROUGHPUT, MEMORY, REPLAY, REPLICAS, AUDIT;

        /** {@code --only} names: the constant's name in lower case, {@code first-enable} or {@code first_enable}. */
        public static Part named(String name) {
            return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    /**
     * The gateway's JVM: the harness's default heap, named here because the window reports the gateway's heap
     * against it. Smaller than the chart's (512 MiB container, 75 %: 384 MB), so a window that fits here fits there.
     */
    static final List<String> GATEWAY_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");

    /**
     * What figure 4 feeds sync-worker with: segment events through segment-service (the whole pipeline), or
     * MembershipChange records written straight to sync-worker's topic, which is what sync-worker holds either way
     * and lets a run reach millions of pending contacts without waiting for segment-service's ingest.
     */
    public enum MemoryFeed { EVENTS, CHANGES }

    private final Sizes sizes;
    private final Set<Part> parts;
    private final MemoryFeed memoryFeed;
    private final Duration timeout;

    public Benchmark(Sizes sizes, Duration phaseTimeout) {
        this(sizes, phaseTimeout, EnumSet.allOf(Part.class), MemoryFeed.EVENTS);
    }

    public Benchmark(Sizes sizes, Duration phaseTimeout, Set<Part> parts, MemoryFeed memoryFeed) {
        if (parts.contains(Part.REPLAY) && !parts.contains(Part.WINDOW)) {
            throw new IllegalArgumentException("replay needs the window part (it flushes the window's account)");
        }
        if (parts.contains(Part.AUDIT) && !parts.contains(Part.WINDOW)) {
            throw new IllegalArgumentException("audit needs the window part (it audits the account the window populated)");
        }
        this.sizes = sizes;
        this.parts = EnumSet.copyOf(parts);
        this.memoryFeed = memoryFeed;
        this.timeout = phaseTimeout;
    }

    public Map<String, Object> run() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", machine());
        report.put("sizes", sizes);
        report.put("parts", parts);
        report.put("memoryFeed", memoryFeed);
        Instant started = Instant.now();
        SystemUnderTest system = SystemUnderTest.start(options());
        report.put("startupSeconds", seconds(Duration.between(started, Instant.now())));
        Bench bench = new Bench(sizes, timeout, UUID.randomUUID().toString().substring(0, 6), system);
        Map<String, Object> figures = new LinkedHashMap<>();
        report.put("figures", figures);
        try {
            Map<String, Object> window = parts.contains(Part.WINDOW) ? new WindowFigures(bench).run() : null;
            if (window != null) {
                figures.put("writeEfficiency", window.get("writeEfficiency"));
                figures.put("timeToApply", window.get("timeToApply"));
                figures.put("freshness", window.get("freshness"));
                figures.put("gatewayHeap", window.get("gatewayHeap"));
            }
            if (parts.contains(Part.ACCOUNTS)) {
                figures.put("accounts", new AccountsFigure(bench).run());
            }
            if (parts.contains(Part.FIRST_ENABLE)) {
                figures.put("firstEnable", new FirstEnableFigure(bench).run());
            }
            if (parts.contains(Part.THROUGHPUT)) {
                Map<String, Object> throughput = new ThroughputFigure(bench).run();
                figures.put("throughput", throughput);
                figures.put("throughputVsKafkaOnly", KafkaFloorFigure.of(throughput));
            }
            if (parts.contains(Part.MEMORY)) {
                figures.put("memory", new MemoryFigure(bench, memoryFeed).run());
            }
            if (parts.contains(Part.REPLAY)) {
                figures.put("replay", new ReplayFigure(bench).run((String) window.get("apiKey"), (String) window.get("account")));
            }
            if (parts.contains(Part.REPLICAS)) {
                figures.put("replicas", new ReplicasFigure(bench).run(figures));
            }
            if (parts.contains(Part.AUDIT)) {
                Map<String, Object> audit = new AuditFigure(bench).run((String) window.get("apiKey"), (String) window.get("account"));
                figures.put("auditTime", audit.get("auditTime"));
                figures.put("auditRepairWrites", audit.get("auditRepairWrites"));
            }
        } finally {
            bench.kafka.close();
            system.close();
        }
        report.put("totalSeconds", seconds(Duration.between(started, Instant.now())));
        return report;
    }

    private SystemUnderTest.Options options() {
        Map<String, String> gateway = new HashMap<>();
        // The gateway paces by the same (scaled) limits the emulator enforces, and sizes calls by the scaled caps.
        gateway.put("klaviyo.rate-limits.lists-read", rate(75, 750));
        gateway.put("klaviyo.rate-limits.list-create", rate(10, 150));
        gateway.put("klaviyo.rate-limits.list-members", rate(10, 150));
        gateway.put("klaviyo.rate-limits.profiles", rate(75, 750));
        gateway.put("klaviyo.rate-limits.bulk-import", rate(10, 150));
        gateway.put("klaviyo.rate-limits.deletion", rate(3, 60));
        gateway.put("klaviyo.batching.bulk-threshold", Integer.toString(sizes.chunk(100)));
        gateway.put("klaviyo.batching.unset-bulk-threshold", Integer.toString(sizes.chunk(20)));
        gateway.put("klaviyo.batching.bulk-max-profiles", Integer.toString(sizes.caps().bulkMaxProfiles()));
        gateway.put("klaviyo.batching.bulk-max-bytes", Integer.toString(sizes.chunk(5_000_000)));
        gateway.put("klaviyo.batching.list-chunk", Integer.toString(sizes.caps().listChunk()));
        gateway.put("klaviyo.batching.lookup-chunk", Integer.toString(sizes.caps().lookupChunk()));
        gateway.put("klaviyo.batching.poll-initial-interval", "50ms");
        gateway.put("klaviyo.batching.poll-max-interval", "1s");
        gateway.put("gateway.apply.chunk-contacts", Integer.toString(sizes.chunk(20_000)));
        EmulatorConfig emulator = EmulatorConfig.defaults().withRateLimitsEnabled(true).withRateLimitScale(sizes.rateScale())
                .withBulkJobDelay(Bench.BULK_JOB_DELAY).withCallLogCapacity(2_000_000);
        // On a loaded machine Flyway's first connection can take longer than Agroal's 5 s default.
        Map<String, String> common = Map.of("quarkus.datasource.jdbc.acquisition-timeout", "60s");
        Map<String, String> worker = new HashMap<>(common);
        worker.put("sync-worker.release.batch-size", Integer.toString(sizes.chunk(500)));
        gateway.putAll(common);
        return SystemUnderTest.Options.of(Duration.ofHours(12), Duration.ofHours(1))
                .withEmulator(emulator)
                .withJvmOptions("sync-worker", List.of("-Xmx512m", "-XX:+UseSerialGC"))
                .withJvmOptions("klaviyo-gateway", GATEWAY_JVM)
                .withSystemProperties("segment-service", common)
                .withSystemProperties("sync-worker", worker)
                .withSystemProperties("klaviyo-gateway", gateway)
                .withLogDir(ProjectRoot.find().resolve("benchmarks/target/logs"))
                .withReadyTimeout(Duration.ofMinutes(5));
    }

    private String rate(int perSecond, int perMinute) {
        return Limits.scale(perSecond, sizes.rateScale()) + "/s," + Limits.scale(perMinute, sizes.rateScale()) + "/m";
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("processors", Runtime.getRuntime().availableProcessors());
        m.put("memTotal", firstLine("/proc/meminfo"));
        m.put("loadAverageAtStart", firstLine("/proc/loadavg"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("at", Instant.now().toString());
        return m;
    }

    private static String firstLine(String file) {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of(file)).get(0).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
