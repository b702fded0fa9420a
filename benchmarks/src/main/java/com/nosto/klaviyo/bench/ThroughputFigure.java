package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.round;
import static com.nosto.klaviyo.bench.Figures.seconds;

import com.nosto.klaviyo.e2e.harness.ServiceProcess;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Figure 1: events per second from segment-events to released SyncBatches, against a bare consumer and a Kafka-only
 * two-hop relay of the same records at rest, with the CPU each part spends per event.
 */
final class ThroughputFigure {

    private final Bench b;
    /** Appended to the account id, so figure 10 can measure figure 1 more than once in a run on fresh accounts. */
    private final String tag;
    /** Instances of each service to measure with: more than run now are added when segment-service starts again. */
    private final int instances;

    ThroughputFigure(Bench b) {
        this(b, "", 0);
    }

    /**
     * @param instances instances of each service to measure with; more than run now are started side by side with
     *                  segment-service's start after the events are written and the references measured (figure 10
     *                  saves a scale-up's wait that way; sync-worker's group may still rebalance as ingest begins);
     *                  0: as many as run now
     */
    ThroughputFigure(Bench b, String tag, int instances) {
        this.b = b;
        this.tag = tag;
        this.instances = instances;
    }

    Map<String, Object> run() {
        String account = "bench-tp-" + b.run + tag;
        b.segments(account, "s1", "s2", "s3", "s4", "s5");
        int n = b.sizes.events();
        int contacts = Math.max(1, n / 4);
        Map<TopicPartition, Long> start = b.endOffsets(Topics.SEGMENT_EVENTS);
        long batchesBefore = Bench.total(b.endOffsets(Topics.SYNC_BATCHES));
        // segment-service stopped while the events are written, so pipeline and bare consumer read the same data at rest
        // (every instance of it: figure 10 runs two).
        List<ServiceProcess> segmentService = b.system.instances("segment-service");
        segmentService.forEach(ServiceProcess::close);
        Bench.log("throughput: publishing " + n + " events for " + contacts + " contacts");
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
            b.publish(e);
        }
        b.kafka.flush();
        Map<TopicPartition, Long> end = b.endOffsets(Topics.SEGMENT_EVENTS);
        long records = Bench.total(end) - Bench.total(start);

        CpuProfile.Sample bareStart = CpuProfile.sample(Map.of());
        Duration bare = bareConsumer(start, end);
        CpuProfile.Sample bareEnd = CpuProfile.sample(Map.of());
        double bareRate = records / Math.max(1e-3, bare.toNanos() / 1e9);
        // The second reference, also on the data at rest: the same records through two Kafka hops with no work.
        KafkaOnly kafkaOnly = kafkaOnlyPipeline(start, end, records, bareRate);

        segmentService.forEach(ServiceProcess::start);
        List<java.util.concurrent.CompletableFuture<Void>> added = new java.util.ArrayList<>();
        for (String service : Bench.GROUPS.keySet()) {
            int now = b.system.instances(service).size();
            if (instances > now) {
                added.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                    for (int i = now; i < instances; i++) {
                        b.system.addInstance(service);
                    }
                }, r -> new Thread(r, "add-" + service).start()));
            }
        }
        segmentService.forEach(s -> s.awaitReady(Duration.ofSeconds(180)));
        added.forEach(java.util.concurrent.CompletableFuture::join);
        Map<String, List<Long>> pids = b.pids();
        PostgresProfile.Sample pgStart = PostgresProfile.sample(b.system.database());
        CpuProfile.Sample cpuStart = CpuProfile.sampleInstances(pids);
        Instant t0 = Instant.now();
        Instant caughtUp = b.awaitCaughtUp(List.of("segment-service", "sync-worker"));
        long pendingBeforeFlush = b.pending(account);
        Instant flushAt = Instant.now();
        b.api.flush(account).expect(200, 202, 204);
        Instant released = b.awaitReleased(account);
        CpuProfile.Sample cpuEnd = CpuProfile.sampleInstances(pids);
        PostgresProfile.Sample pgEnd = PostgresProfile.sample(b.system.database());
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
        f.put("syncBatchesReleased", Bench.total(b.endOffsets(Topics.SYNC_BATCHES)) - batchesBefore);
        f.put("pendingContactsBeforeFlush", pendingBeforeFlush);
        // Where the records went, by the services' own counters (cumulative since their start).
        // With several instances (figure 10) each service's counters are summed, and each instance's are given too.
        Map<String, Object> counters = new TreeMap<>();
        Map<String, Object> byInstance = new TreeMap<>();
        Map<String, List<String>> series = Map.of(
                "segment-service", List.of("segment_events_total", "segment_membership_changes_total", "segment_outbox_published_total"),
                "sync-worker", List.of("sync_worker_changes_in_total", "sync_worker_contacts_released_total",
                        "sync_worker_batches_released_total", "sync_worker_batches_published_total",
                        "sync_worker_dead_letters_total"));
        series.forEach((service, names) -> {
            Map<String, Double> sum = new TreeMap<>();
            b.managementUrls(service).forEach((instance, url) -> {
                Map<String, Double> one = Probe.series(url, names);
                one.forEach((k, v) -> sum.merge(k, v, Double::sum));
                byInstance.put(instance, one);
            });
            counters.put(service, sum);
        });
        f.put("serviceCounters", counters);
        if (byInstance.size() > counters.size()) {
            f.put("instanceCounters", byInstance);
        }
        // The end state, independent of the account's id and of how many instances did the work (figure 10 compares it).
        f.put("ledger", LedgerDigest.of(b.system.database(), account));
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

    /** Runs of the services' batching behind figure 9's reference: the median of them is the reference. */
    static final int REFERENCE_RUNS = 3;

    /** One relay run and the CPU samples around it. */
    private record RelayRun(KafkaOnlyPipeline.Result result, CpuProfile.Sample before, CpuProfile.Sample after) {
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
            // Figure 9's reference (the services' batching) is the median of three runs: one run lasts seconds, and
            // single runs an hour apart spread by a quarter (56,820 and 71,557 events/s at full size).
            int runs = batching == KafkaOnlyPipeline.Batching.SERVICES ? REFERENCE_RUNS : 1;
            List<RelayRun> measured = new java.util.ArrayList<>();
            for (int i = 0; i < runs; i++) {
                CpuProfile.Sample before = CpuProfile.sample(Map.of());
                KafkaOnlyPipeline.Result run = new KafkaOnlyPipeline(b.system.kafkaBootstrapServers(), b.timeout, batching)
                        .run(b.run + (i == 0 ? "" : "-" + i), start, end);
                measured.add(new RelayRun(run, before, CpuProfile.sample(Map.of())));
            }
            List<RelayRun> byRate = measured.stream().sorted(java.util.Comparator.comparingDouble(m -> m.result().perSecond())).toList();
            RelayRun median = byRate.get(byRate.size() / 2);
            KafkaOnlyPipeline.Result r = median.result();
            CpuProfile.Sample before = median.before();
            CpuProfile.Sample after = median.after();
            Map<String, Object> k = new LinkedHashMap<>();
            if (runs > 1) {
                k.put("perSecondRuns", measured.stream().map(m -> round(m.result().perSecond())).toList());
            }
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
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.system.kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(start.keySet());
            start.forEach(consumer::seek);
            Instant t0 = Instant.now();
            long remaining = Bench.total(end) - Bench.total(start);
            while (remaining > 0) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                remaining -= records.count();
                if (Duration.between(t0, Instant.now()).compareTo(b.timeout) > 0) {
                    throw new IllegalStateException("bare consumer did not finish");
                }
            }
            return Duration.between(t0, Instant.now());
        }
    }
}
