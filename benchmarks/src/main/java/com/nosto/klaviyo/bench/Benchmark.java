package com.nosto.klaviyo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.e2e.harness.KlaviyoModel;
import com.nosto.klaviyo.e2e.harness.SyncApi;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.EmulatorConfig;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One benchmark run: starts the whole system once (broker, database, emulator, the three services as processes)
 * and measures the six figures of issue 9, each against a limit measured or computed in the same run.
 * Order: the Klaviyo window first (figures 2, 3, 6, on a quiet system), then throughput (1), memory (4) and
 * finally the replay of every topic (5), which re-reads all of the above.
 */
public final class Benchmark {

    /** Each service's consumer group and the topic it reads (docs/operations.md). */
    static final Map<String, String> GROUPS = Map.of(
            "segment-service", Topics.SEGMENT_EVENTS,
            "sync-worker", Topics.MEMBERSHIP_CHANGES,
            "klaviyo-gateway", Topics.SYNC_BATCHES);

    /** Bulk jobs complete this long after they are queued (the emulator's processing time). */
    static final Duration BULK_JOB_DELAY = Duration.ofMillis(200);

    /** The parts of a run, in the order they run; replay needs the window's account. */
    public enum Part { WINDOW, THROUGHPUT, MEMORY, REPLAY }

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
    private final String run = UUID.randomUUID().toString().substring(0, 6);
    private final AtomicLong clock = new AtomicLong(Instant.parse("2026-11-29T08:00:00Z").toEpochMilli());
    private SystemUnderTest system;
    private SyncApi api;
    private KafkaTools kafka;

    public Benchmark(Sizes sizes, Duration phaseTimeout) {
        this(sizes, phaseTimeout, EnumSet.allOf(Part.class), MemoryFeed.EVENTS);
    }

    public Benchmark(Sizes sizes, Duration phaseTimeout, Set<Part> parts, MemoryFeed memoryFeed) {
        if (parts.contains(Part.REPLAY) && !parts.contains(Part.WINDOW)) {
            throw new IllegalArgumentException("replay needs the window part (it flushes the window's account)");
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
        system = SystemUnderTest.start(options());
        report.put("startupSeconds", seconds(Duration.between(started, Instant.now())));
        api = system.api();
        kafka = new KafkaTools(system.kafkaBootstrapServers());
        Map<String, Object> figures = new LinkedHashMap<>();
        report.put("figures", figures);
        try {
            Map<String, Object> window = parts.contains(Part.WINDOW) ? window() : null;
            if (window != null) {
                figures.put("writeEfficiency", window.get("writeEfficiency"));
                figures.put("timeToApply", window.get("timeToApply"));
                figures.put("freshness", window.get("freshness"));
                figures.put("gatewayHeap", window.get("gatewayHeap"));
            }
            if (parts.contains(Part.THROUGHPUT)) {
                figures.put("throughput", throughput());
            }
            if (parts.contains(Part.MEMORY)) {
                figures.put("memory", memory());
            }
            if (parts.contains(Part.REPLAY)) {
                figures.put("replay", replay((String) window.get("apiKey"), (String) window.get("account")));
            }
        } finally {
            kafka.close();
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
        gateway.put("klaviyo.batching.bulk-max-profiles", Integer.toString(caps().bulkMaxProfiles()));
        gateway.put("klaviyo.batching.bulk-max-bytes", Integer.toString(sizes.chunk(5_000_000)));
        gateway.put("klaviyo.batching.list-chunk", Integer.toString(caps().listChunk()));
        gateway.put("klaviyo.batching.lookup-chunk", Integer.toString(caps().lookupChunk()));
        gateway.put("klaviyo.batching.poll-initial-interval", "50ms");
        gateway.put("klaviyo.batching.poll-max-interval", "1s");
        gateway.put("gateway.apply.chunk-contacts", Integer.toString(sizes.chunk(20_000)));
        EmulatorConfig emulator = EmulatorConfig.defaults().withRateLimitsEnabled(true).withRateLimitScale(sizes.rateScale())
                .withBulkJobDelay(BULK_JOB_DELAY).withCallLogCapacity(2_000_000);
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

    private Limits.Caps caps() {
        return new Limits.Caps(sizes.chunk(10_000), sizes.chunk(1_000), sizes.chunk(100));
    }

    // ---------------------------------------------------------------- figures 2, 3, 6: one Klaviyo window

    private Map<String, Object> window() {
        String account = "bench-win-" + run;
        String key = "pk_bench_" + run + "0000";
        system.klaviyo().account(key);
        api.connectKlaviyo(account, key).expect(200, 201);
        segments(account, "a", "b", "c");
        int moving = sizes.moving();
        int leaving = sizes.leaving();
        int deleted = sizes.deleted();
        int entering = sizes.entering();
        int seeded = moving + leaving + deleted;
        log("window: seeding " + seeded + " contacts already in the list");
        for (int i = 0; i < seeded; i++) {
            publish(SegmentEvent.fullSet(account, "old" + i + "@bench.example.com", List.of("a"), null));
        }
        kafka.flush();
        awaitIngested();
        api.flush(account).expect(200, 202, 204);
        EmulatedAccount klaviyo = system.klaviyo().account(key);
        Probe.await("seed applied (" + seeded + " list members)", timeout, () -> members(klaviyo) == seeded);
        awaitQuiet(key);

        int callsBefore = system.klaviyo().calls().forKey(key).size();
        log("window: " + entering + " entering, " + moving + " moving, " + leaving + " leaving, " + deleted + " deleted");
        int i = 0;
        for (; i < moving; i++) {
            publish(SegmentEvent.fullSet(account, "old" + i + "@bench.example.com", List.of("b"), null));
        }
        for (; i < moving + leaving; i++) {
            publish(SegmentEvent.delta(account, "old" + i + "@bench.example.com", List.of(), List.of("a"), null));
        }
        for (; i < seeded; i++) {
            publish(SegmentEvent.deletion(account, "old" + i + "@bench.example.com", null));
        }
        for (int n = 0; n < entering; n++) {
            // Several segments per contact: a third are in both synced segments, one in ten also in an unsynced one.
            List<String> segs = n % 3 == 0 ? List.of("a", "b") : n % 10 == 1 ? List.of("b", "c") : List.of("a");
            publish(SegmentEvent.fullSet(account, "new" + n + "@bench.example.com", segs, null));
        }
        kafka.flush();
        awaitIngested();
        long pending = pending(account);
        String gateway = system.service("klaviyo-gateway").managementUrl();
        long gatewayPid = system.service("klaviyo-gateway").pid();
        Probe.fullGc(gatewayPid);
        long idleLive = Probe.heapUsed(gateway);
        HeapSampler gatewayHeap = HeapSampler.start(gateway);
        Instant windowEnd = Instant.now();
        api.flush(account).expect(200, 202, 204);
        // Live heap while the window is being applied: the whole group is parsed and planned once its first bulk job
        // goes out, and held until its last call. A full GC then leaves what the window keeps alive.
        Probe.await("the window's first bulk job", timeout, () -> system.klaviyo().calls().forKey(key).stream()
                .skip(callsBefore).anyMatch(c -> "bulk_import_profiles".equals(c.operationId())));
        boolean gcDone = Probe.fullGc(gatewayPid);
        long liveWhileApplying = Probe.heapUsed(gateway);
        int expectedMembers = entering + moving;
        Probe.await("window applied (" + expectedMembers + " list members)", timeout, () -> members(klaviyo) == expectedMembers);
        awaitQuiet(key);
        Instant applied = Instant.now();
        long peak = gatewayHeap.stop();

        List<Call> calls = system.klaviyo().calls().forKey(key);
        List<Call> windowCalls = calls.subList(callsBefore, calls.size());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("account", account);
        result.put("apiKey", key);
        result.put("writeEfficiency", writeEfficiency(windowCalls, pending));
        result.put("timeToApply", timeToApply(windowCalls));
        Duration imposed = Limits.imposedTime(minimumCalls(), rates(), BULK_JOB_DELAY);
        result.put("freshness", freshness(account, windowEnd, windowCalls, applied, imposed));
        result.put("gatewayHeap", gatewayHeap(pending, idleLive, gcDone ? liveWhileApplying : -1, peak));
        checkState(klaviyo, key, moving);
        return result;
    }

    /**
     * The gateway's heap for the window (reported, no target): live after a full GC when idle and while the window
     * is applied, the peak in use (garbage included), and the live bytes the window added per contact, the figure
     * that sizes {@code gateway.apply.chunk-contacts} and {@code gateway.apply.concurrency} against the heap.
     */
    private static Map<String, Object> gatewayHeap(long contacts, long idleLive, long liveWhileApplying, long peak) {
        double livePerContact = liveWhileApplying < 0 || contacts == 0 ? -1 : round((double) (liveWhileApplying - idleLive) / contacts);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("measure", "klaviyo-gateway: live heap the window added, per contact (bytes)");
        m.put("value", livePerContact);
        m.put("target", "reported");
        m.put("jvm", String.join(" ", GATEWAY_JVM));
        m.put("contacts", contacts);
        m.put("idleLiveHeapBytes", idleLive);
        m.put("liveHeapWhileApplyingBytes", liveWhileApplying);
        m.put("peakHeapBytes", peak);
        m.put("peakAboveIdleBytesPerContact", contacts == 0 ? -1 : round((double) (peak - idleLive) / contacts));
        return m;
    }

    private Map<String, Object> writeEfficiency(List<Call> windowCalls, long pending) {
        long writes = windowCalls.stream().filter(c -> c.isWrite() && c.status() != 429).count();
        long minimum = Limits.minimumWrites(sizes.entering(), sizes.moving(), sizes.leaving(), sizes.deleted(), caps());
        Map<String, Object> f = figure("write calls to Klaviyo for the window (429s excluded)", writes,
                "minimum write calls (bulk jobs of " + caps().bulkMaxProfiles() + ", list removals of " + caps().listChunk()
                        + ", no lookups)", minimum, "<= 1.1");
        f.put("met", ratio(writes, minimum) <= 1.1);
        f.put("pendingContactsReleased", pending);
        f.put("minimumCallsByOperation", minimumCalls());
        f.put("callsByOperationAndStatus", byOperationAndStatus(windowCalls));
        f.put("lookups", windowCalls.stream().filter(c -> "get_profiles".equals(c.operationId())).count());
        return f;
    }

    /**
     * The window's minimum calls. Its leaving and deleted contacts were all seeded by an earlier window, whose
     * profiles Klaviyo created in bulk import jobs: those return no profile ids, so no client knows them and the
     * minimum includes one lookup per {@code lookupChunk} of them.
     */
    private Map<String, Long> minimumCalls() {
        return Limits.minimumCalls(sizes.entering(), sizes.moving(), sizes.leaving(), sizes.deleted(),
                sizes.leaving() + sizes.deleted(), caps());
    }

    private Map<String, Object> timeToApply(List<Call> windowCalls) {
        Map<String, Limits.Rate> rates = rates();
        Duration limitMinimum = Limits.imposedTime(minimumCalls(), rates, BULK_JOB_DELAY);
        // The same if every leaving contact's Klaviyo id were already known (the limit before lookups were counted).
        Duration limitIdsKnown = Limits.imposedTime(Limits.minimumCalls(sizes.entering(), sizes.moving(), sizes.leaving(),
                sizes.deleted(), 0, caps()), rates, BULK_JOB_DELAY);
        Map<String, Long> actual = windowCalls.stream().filter(c -> c.status() != 429 && c.operationId() != null)
                .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting()));
        Duration limitActual = Limits.imposedTime(actual, rates, BULK_JOB_DELAY);
        Duration took = windowCalls.isEmpty() ? Duration.ZERO
                : Duration.between(windowCalls.get(0).at(), windowCalls.get(windowCalls.size() - 1).at()).plusMillis(
                        windowCalls.get(windowCalls.size() - 1).durationMillis());
        Map<String, Object> f = figure("seconds from the window's first to its last Klaviyo call", seconds(took),
                "seconds the rate limits impose on the minimum calls", seconds(limitMinimum), "<= 1.2");
        f.put("met", ratio(seconds(took), seconds(limitMinimum)) <= 1.2);
        // Klaviyo's windows are aligned to the clock, not to the first call: a run whose first call falls late in a
        // window gets that window almost free, so it can beat the limit above by up to one window. The lowest time
        // any alignment allows is reported beside it.
        Duration limitBest = Limits.imposedTime(minimumCalls(), rates, BULK_JOB_DELAY, true);
        f.put("limitSecondsBestAlignment", seconds(limitBest));
        f.put("ratioToBestAlignment", ratio(seconds(took), seconds(limitBest)));
        f.put("limitSecondsIfIdsWereKnown", seconds(limitIdsKnown));
        f.put("ratioIfIdsWereKnown", ratio(seconds(took), seconds(limitIdsKnown)));
        f.put("limitSecondsForCallsActuallyMade", seconds(limitActual));
        f.put("pacingRatio", ratio(seconds(took), seconds(limitActual)));
        long throttled = windowCalls.stream().filter(c -> c.status() == 429).count();
        f.put("throttled429", throttled);
        f.put("unanswered429", unanswered429(windowCalls));
        f.put("rateLimitScale", sizes.rateScale());
        f.put("ratesUsed", rates);
        return f;
    }

    /** A 429 is answered when the same operation later succeeded (the gateway waited and retried). */
    static long unanswered429(List<Call> calls) {
        long unanswered = 0;
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            if (c.status() != 429) {
                continue;
            }
            boolean retried = false;
            for (int j = i + 1; j < calls.size() && !retried; j++) {
                Call later = calls.get(j);
                retried = later.status() / 100 == 2 && java.util.Objects.equals(later.operationId(), c.operationId());
            }
            if (!retried) {
                unanswered++;
            }
        }
        return unanswered;
    }

    private Map<String, Object> freshness(String account, Instant windowEnd, List<Call> windowCalls, Instant applied, Duration imposed) {
        Instant last = windowCalls.isEmpty() ? windowEnd : windowCalls.get(windowCalls.size() - 1).at();
        Duration fresh = Duration.between(windowEnd, last);
        Map<String, Object> f = figure("seconds from the window's end (the SRE flush, as at a window's end) to the last Klaviyo call of the window",
                seconds(fresh), "seconds the rate limits impose on the minimum calls", seconds(imposed), "none (reported)");
        f.put("observedConvergedAfterSeconds", seconds(Duration.between(windowEnd, applied)));
        SyncApi.Answer runs = api.syncRuns(account);
        if (runs.status() == 200 && runs.body() != null && runs.body().isArray() && !runs.body().isEmpty()) {
            JsonNode newest = runs.body().get(0);
            f.put("gatewayRunNewest", newest.deepCopy());
        }
        return f;
    }

    private void checkState(EmulatedAccount klaviyo, String key, int moving) {
        Map<String, KlaviyoModel.Expected> state = system.klaviyoState(key);
        long movedRight = 0;
        for (int i = 0; i < moving; i++) {
            KlaviyoModel.Expected s = state.get("old" + i + "@bench.example.com");
            if (s != null && s.inList() && "Segment b".equals(s.nostoSegment())) {
                movedRight++;
            }
        }
        if (movedRight != moving) {
            throw new IllegalStateException("only " + movedRight + " of " + moving + " moved contacts carry the new segment");
        }
        if (!klaviyo.consentLog().isEmpty()) {
            throw new IllegalStateException("consent was touched: " + klaviyo.consentLog().size() + " entries");
        }
    }

    // ---------------------------------------------------------------- figure 1: throughput

    private Map<String, Object> throughput() {
        String account = "bench-tp-" + run;
        segments(account, "s1", "s2", "s3", "s4", "s5");
        int n = sizes.events();
        int contacts = Math.max(1, n / 4);
        Map<TopicPartition, Long> start = endOffsets(Topics.SEGMENT_EVENTS);
        long batchesBefore = total(endOffsets(Topics.SYNC_BATCHES));
        // segment-service stopped while the events are written, so pipeline and bare consumer read the same data at rest.
        system.service("segment-service").close();
        log("throughput: publishing " + n + " events for " + contacts + " contacts");
        for (int i = 0; i < n; i++) {
            int c = i % contacts;
            int round = i / contacts;
            String email = "tp" + c + "@bench.example.com";
            String s = "s" + (1 + c % 5);
            String t = "s" + (1 + (c + 1) % 5);
            String u = "s" + (1 + (c + 2) % 5);
            SegmentEvent e = switch (round % 4) {
                case 0 -> SegmentEvent.fullSet(account, email, List.of(s, t), null);       // enters two segments
                case 1 -> SegmentEvent.delta(account, email, List.of(u), List.of(s), null); // moves s -> u
                case 2 -> c % 10 == 0 ? SegmentEvent.deletion(account, email, null)           // deleted
                        : SegmentEvent.delta(account, email, List.of(), List.of(t), null);    // removed from t
                default -> c % 2 == 0 ? SegmentEvent.fullSet(account, email, List.of(t), null) // re-added
                        : SegmentEvent.delta(account, email, List.of(), List.of(u), null);    // leaves the list
            };
            publish(e);
        }
        kafka.flush();
        Map<TopicPartition, Long> end = endOffsets(Topics.SEGMENT_EVENTS);
        long records = total(end) - total(start);

        CpuProfile.Sample bareStart = CpuProfile.sample(Map.of());
        Duration bare = bareConsumer(start, end);
        CpuProfile.Sample bareEnd = CpuProfile.sample(Map.of());
        double bareRate = records / Math.max(1e-3, bare.toNanos() / 1e9);
        // The second reference, also on the data at rest: the same records through two Kafka hops with no work.
        KafkaOnly kafkaOnly = kafkaOnlyPipeline(start, end, records, bareRate);

        system.service("segment-service").start().awaitReady(Duration.ofSeconds(180));
        Map<String, Long> pids = new TreeMap<>();
        for (String service : GROUPS.keySet()) {
            pids.put(service, system.service(service).pid());
        }
        PostgresProfile.Sample pgStart = PostgresProfile.sample(system.database());
        CpuProfile.Sample cpuStart = CpuProfile.sample(pids);
        Instant t0 = Instant.now();
        Instant caughtUp = awaitCaughtUp(List.of("segment-service", "sync-worker"));
        long pendingBeforeFlush = pending(account);
        Instant flushAt = Instant.now();
        api.flush(account).expect(200, 202, 204);
        Instant released = awaitReleased(account);
        CpuProfile.Sample cpuEnd = CpuProfile.sample(pids);
        PostgresProfile.Sample pgEnd = PostgresProfile.sample(system.database());
        Duration pipeline = Duration.between(t0, caughtUp).plus(Duration.between(flushAt, released));
        double pipelineRate = records / Math.max(1e-3, pipeline.toNanos() / 1e9);
        Map<String, Object> f = figure("events/s from segment-events to released SyncBatches", round(pipelineRate),
                "events/s a bare Kafka consumer reads from the same records", round(bareRate), ">= 0.5");
        f.put("met", pipelineRate / bareRate >= 0.5);
        f.put("events", records);
        f.put("contacts", contacts);
        f.put("pipelineSeconds", seconds(pipeline));
        f.put("ingestSeconds", seconds(Duration.between(t0, caughtUp)));
        f.put("releaseSeconds", seconds(Duration.between(flushAt, released)));
        f.put("bareConsumerSeconds", seconds(bare));
        f.put("kafkaOnlyPipelinePerSecond", round(kafkaOnly.servicesRate()));
        f.put("kafkaOnlyPipelineRatio", round(kafkaOnly.servicesRate() / bareRate));
        f.put("ratioToKafkaOnlyPipeline", round(pipelineRate / kafkaOnly.servicesRate()));
        f.put("kafkaOnlyPipeline", kafkaOnly.byBatching());
        f.put("syncBatchesReleased", total(endOffsets(Topics.SYNC_BATCHES)) - batchesBefore);
        f.put("pendingContactsBeforeFlush", pendingBeforeFlush);
        // Where the records went, by the services' own counters (cumulative since their start).
        Map<String, Object> counters = new TreeMap<>();
        counters.put("segment-service", Probe.series(system.service("segment-service").managementUrl(),
                List.of("segment_events_total", "membership_changes_total", "outbox_published_total")));
        counters.put("sync-worker", Probe.series(system.service("sync-worker").managementUrl(),
                List.of("sync_worker_changes_in_total", "sync_worker_contacts_released_total",
                        "sync_worker_batches_released_total", "sync_worker_batches_published_total",
                        "sync_worker_dead_letters_total")));
        f.put("serviceCounters", counters);
        // Where the time goes: CPU per event of each part, and the rate that CPU cost allows on this machine's cores.
        int cores = Runtime.getRuntime().availableProcessors();
        Map<String, Object> profile = CpuProfile.between(cpuStart, cpuEnd, records,
                List.of("segment-service", "sync-worker", CpuProfile.BROKER, CpuProfile.POSTGRES), cores);
        double bareCpu = CpuProfile.selfSeconds(bareStart, bareEnd);
        profile.put("bareConsumerCpuMsPerEvent", round(records == 0 ? 0 : bareCpu * 1000 / records));
        profile.put("bareConsumerMachineBusyShare",
                CpuProfile.between(bareStart, bareEnd, records, List.of(), cores).get("machineBusyShare"));
        f.put("cpuProfile", profile);
        // What PostgreSQL's share of that CPU was spent on: rows written per event by table, commits, WAL.
        f.put("postgresProfile", PostgresProfile.between(pgStart, pgEnd, records));
        return f;
    }

    /** The Kafka-only pipeline in each batching, by name; {@code servicesRate}: its rate batched as the services batch. */
    private record KafkaOnly(Map<String, Object> byBatching, double servicesRate) {
    }

    /** Relays the records through two Kafka hops with no work, in each batching, each with its CPU (this JVM's and the broker's). */
    private KafkaOnly kafkaOnlyPipeline(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, long records,
            double bareRate) {
        Map<String, Object> byBatching = new LinkedHashMap<>();
        double servicesRate = 0;
        for (KafkaOnlyPipeline.Batching batching : KafkaOnlyPipeline.Batching.values()) {
            CpuProfile.Sample before = CpuProfile.sample(Map.of());
            KafkaOnlyPipeline.Result r = new KafkaOnlyPipeline(system.kafkaBootstrapServers(), timeout, batching).run(run, start, end);
            CpuProfile.Sample after = CpuProfile.sample(Map.of());
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("batchSizeBytes", batching.batchSize);
            k.put("lingerMs", batching.lingerMs);
            k.put("perSecond", round(r.perSecond()));
            k.put("seconds", seconds(r.elapsed()));
            k.put("ratioToBareConsumer", round(r.perSecond() / bareRate));
            k.put("cpuProfile", CpuProfile.between(before, after, records, List.of(CpuProfile.SELF, CpuProfile.BROKER),
                    Runtime.getRuntime().availableProcessors()));
            byBatching.put(batching.name().toLowerCase(), k);
            if (batching == KafkaOnlyPipeline.Batching.SERVICES) {
                servicesRate = r.perSecond();
            }
        }
        return new KafkaOnly(byBatching, servicesRate);
    }

    private Duration bareConsumer(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(start.keySet());
            start.forEach(consumer::seek);
            Instant t0 = Instant.now();
            long remaining = total(end) - total(start);
            while (remaining > 0) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                remaining -= records.count();
                if (Duration.between(t0, Instant.now()).compareTo(timeout) > 0) {
                    throw new IllegalStateException("bare consumer did not finish");
                }
            }
            return Duration.between(t0, Instant.now());
        }
    }

    /** Waits for zero lag in the groups, stable for two seconds; returns when it was first seen zero. */
    private Instant awaitCaughtUp(List<String> groups) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Instant zeroSince = null;
        long membershipEnd = -1;
        while (System.nanoTime() < deadline) {
            boolean zero = groups.stream().allMatch(g -> kafka.lag(g, GROUPS.get(g)) == 0);
            long end = total(endOffsets(Topics.MEMBERSHIP_CHANGES));
            if (zero && end == membershipEnd) {
                if (zeroSince == null) {
                    zeroSince = Instant.now();
                } else if (Duration.between(zeroSince, Instant.now()).toMillis() >= 2000) {
                    return zeroSince;
                }
            } else {
                zeroSince = null;
            }
            membershipEnd = end;
            Probe.sleep(200);
        }
        throw new IllegalStateException("consumer groups " + groups + " did not catch up within " + timeout);
    }

    /**
     * After a flush: nothing pending, every released SyncBatch published, and no new SyncBatch on the topic for two
     * seconds; returns the time of the last one. (Pending alone is not enough: a release empties the ledger into the
     * outbox at once and the relay publishes after it.)
     */
    private Instant awaitReleased(String account) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = total(endOffsets(Topics.SYNC_BATCHES));
        Instant lastChange = Instant.now();
        while (System.nanoTime() < deadline) {
            Probe.sleep(200);
            long now = total(endOffsets(Topics.SYNC_BATCHES));
            if (now != last) {
                last = now;
                lastChange = Instant.now();
            } else if (pending(account) == 0 && unpublished(account) == 0
                    && Duration.between(lastChange, Instant.now()).toMillis() >= 2000) {
                return lastChange;
            }
        }
        throw new IllegalStateException("release of " + account + " did not finish within " + timeout);
    }

    // ---------------------------------------------------------------- figure 4: memory

    private Map<String, Object> memory() {
        String account = "bench-mem-" + run;
        segments(account, "m");
        String worker = system.service("sync-worker").managementUrl();
        long pid = system.service("sync-worker").pid();
        Map<String, Object> first = holdPending(account, 0, sizes.memorySmall(), worker, pid);
        Map<String, Object> second = holdPending(account, sizes.memorySmall(), sizes.memoryLarge(), worker, pid);
        long peak1 = (long) first.get("peakHeapBytes");
        long peak2 = (long) second.get("peakHeapBytes");
        Map<String, Object> f = figure("sync-worker peak heap holding " + sizes.memoryLarge() + " pending contacts (bytes)", peak2,
                "peak heap holding " + sizes.memorySmall() + " pending contacts (bytes)", peak1, "≈ 1.0 (flat), not "
                        + ratio(sizes.memoryLarge(), sizes.memorySmall()));
        long live1 = (long) first.get("liveHeapAfterFullGcBytes");
        long live2 = (long) second.get("liveHeapAfterFullGcBytes");
        f.put("liveHeapRatio", ratio(live2, live1));
        f.put("met", ratio(peak2, peak1) <= 1.5 && ratio(live2, live1) <= 1.5);
        f.put("jvm", "-Xmx512m -XX:+UseSerialGC");
        f.put("feed", memoryFeed == MemoryFeed.CHANGES ? "MembershipChange records on " + Topics.MEMBERSHIP_CHANGES
                : "segment events through segment-service");
        f.put("small", first);
        f.put("large", second);
        return f;
    }

    private Map<String, Object> holdPending(String account, int from, int to, String worker, long pid) {
        log("memory: " + to + " pending contacts");
        HeapSampler sampler = HeapSampler.start(worker);
        Instant feedStart = Instant.now();
        for (int i = from; i < to; i++) {
            String email = "mem" + i + "@bench.example.com";
            if (memoryFeed == MemoryFeed.CHANGES) {
                publishChange(account, email, "m");
            } else {
                publish(SegmentEvent.fullSet(account, email, List.of("m"), null));
            }
        }
        kafka.flush();
        // Wait on consumer lag, which the broker answers in constant time: counting pending contacts is a scan of
        // the ledger's pending index, and polling it every 200 ms at millions of rows kept a core of PostgreSQL
        // busy and slowed the ingest it was waiting for. The count is read once the worker has caught up.
        Instant ingested = awaitCaughtUp(List.of("segment-service", "sync-worker"));
        long pendingNow = pending(account);
        if (pendingNow < to) {
            throw new IllegalStateException("sync-worker caught up holding " + pendingNow + " pending contacts, expected "
                    + to);
        }
        long peak = sampler.stop();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pendingContacts", pendingNow);
        m.put("feedSeconds", seconds(Duration.between(feedStart, ingested)));
        m.put("ingestPerSecond", round((to - from) / Math.max(1e-3, Duration.between(feedStart, ingested).toNanos() / 1e9)));
        m.put("peakHeapBytes", peak);
        m.put("fullGc", Probe.fullGc(pid));
        m.put("liveHeapAfterFullGcBytes", Probe.heapUsed(worker));
        return m;
    }

    // ---------------------------------------------------------------- figure 5: replay

    private Map<String, Object> replay(String key, String account) {
        log("replay: every group from the earliest offset");
        awaitCaughtUp(List.of("segment-service", "sync-worker", "klaviyo-gateway"));
        long before = writes();
        long records = GROUPS.values().stream().mapToLong(t -> total(endOffsets(t))).sum();
        Instant t0 = Instant.now();
        system.stopAllAndRestart(() -> GROUPS.forEach(kafka::resetToEarliest));
        awaitCaughtUp(List.of("segment-service", "sync-worker", "klaviyo-gateway"));
        api.flush(account).expect(200, 202, 204);
        awaitCaughtUp(List.of("klaviyo-gateway"));
        awaitQuiet(key);
        long replayWrites = writes() - before;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("measure", "Klaviyo write calls caused by replaying every topic from the earliest offset with nothing changed");
        f.put("value", replayWrites);
        f.put("target", "0");
        f.put("met", replayWrites == 0);
        f.put("recordsReplayed", records);
        f.put("replaySeconds", seconds(Duration.between(t0, Instant.now())));
        return f;
    }

    private long writes() {
        return system.klaviyo().calls().all().stream().filter(Call::isWrite).filter(c -> c.apiKey() != null).count();
    }

    // ---------------------------------------------------------------- helpers

    private void segments(String account, String... ids) {
        for (String id : ids) {
            api.putSegment(account, id, "Segment " + id).expect(200, 201);
        }
        for (String id : ids) {
            if (!"c".equals(id)) {
                api.setSync(account, id, true).expect(200, 202, 204);
            }
        }
    }

    private void publish(SegmentEvent e) {
        Instant at = Instant.ofEpochMilli(clock.addAndGet(10));
        kafka.publish(new SegmentEvent(e.accountId(), e.email(), e.segments(), e.entered(), e.exited(), e.deleted(), at));
    }

    /** What segment-service would emit for a new contact entering segment {@code segmentId}: version 1, ADDED. */
    private void publishChange(String account, String email, String segmentId) {
        SegmentRef ref = new SegmentRef(segmentId, "Segment " + segmentId);
        MembershipChange c = new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), ChangeType.ADDED,
                account, email, 1, List.of(), List.of(ref), ref.name(), ChangeCause.membership(),
                Instant.ofEpochMilli(clock.addAndGet(10)));
        try {
            kafka.publishRaw(Topics.MEMBERSHIP_CHANGES, new ContactKey(account, email).asKafkaKey(),
                    EventJson.mapper().writeValueAsString(c));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitIngested() {
        awaitCaughtUp(List.of("segment-service", "sync-worker"));
    }

    /** The gateway has consumed every batch and no call reached Klaviyo for two seconds. */
    private void awaitQuiet(String key) {
        Probe.await("gateway caught up and Klaviyo quiet", timeout, () -> {
            if (kafka.lag("klaviyo-gateway", Topics.SYNC_BATCHES) != 0) {
                return false;
            }
            List<Call> calls = system.klaviyo().calls().forKey(key);
            return calls.isEmpty() || Duration.between(calls.get(calls.size() - 1).at(), Instant.now()).toMillis() > 2000;
        });
    }

    private static int members(EmulatedAccount klaviyo) {
        return klaviyo.listByName(SystemUnderTest.LIST_NAME).map(KlaviyoList::id).map(id -> klaviyo.listMemberIds(id).size()).orElse(0);
    }

    private long pending(String account) {
        SyncApi.Answer a = api.windows(account);
        if (a.status() != 200 || a.body() == null) {
            return -1;
        }
        return a.body().path("regular").path("pendingContacts").asLong() + a.body().path("firstEnable").path("pendingContacts").asLong();
    }

    /** Released SyncBatches of the account still in sync-worker's outbox; -1 when unreadable. */
    private long unpublished(String account) {
        SyncApi.Answer a = api.windows(account);
        if (a.status() != 200 || a.body() == null) {
            return -1;
        }
        return a.body().path("unpublishedBatches").asLong(-1);
    }

    private Map<TopicPartition, Long> endOffsets(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, info.partition()));
            }
            return new HashMap<>(c.endOffsets(parts));
        }
    }

    private static long total(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    private Map<String, Limits.Rate> rates() {
        Map<String, Limits.Rate> rates = new TreeMap<>();
        system.klaviyo().rateLimits().all().forEach((op, l) -> rates.put(op,
                new Limits.Rate(Limits.scale(l.burstPerSecond(), sizes.rateScale()), Limits.scale(l.steadyPerMinute(), sizes.rateScale()))));
        return rates;
    }

    private static Map<String, Map<Integer, Long>> byOperationAndStatus(List<Call> calls) {
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        for (Call c : calls) {
            String op = c.operationId() != null ? c.operationId() : c.method() + " " + c.path();
            out.computeIfAbsent(op, k -> new TreeMap<>()).merge(c.status(), 1L, Long::sum);
        }
        return out;
    }

    static Map<String, Object> figure(String measure, Number value, String limitMeaning, Number limit, String target) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("measure", measure);
        f.put("value", value);
        f.put("limitMeaning", limitMeaning);
        f.put("limit", limit);
        f.put("ratio", ratio(value.doubleValue(), limit.doubleValue()));
        f.put("target", target);
        return f;
    }

    static double ratio(double value, double limit) {
        return limit == 0 ? (value == 0 ? 1.0 : Double.POSITIVE_INFINITY) : round(value / limit);
    }

    static double seconds(Duration d) {
        return round(d.toMillis() / 1000.0);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
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

    private static void log(String message) {
        System.out.println("[bench " + Instant.now() + "] " + message);
    }
}
