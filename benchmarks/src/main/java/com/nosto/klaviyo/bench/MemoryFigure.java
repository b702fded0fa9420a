package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.ratio;
import static com.nosto.klaviyo.bench.Figures.round;
import static com.nosto.klaviyo.bench.Figures.seconds;

import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Figure 4: sync-worker's heap holding a small and a large number of pending contacts (flat, not proportional). */
final class MemoryFigure {

    private final Bench b;
    private final Benchmark.MemoryFeed memoryFeed;

    MemoryFigure(Bench b, Benchmark.MemoryFeed memoryFeed) {
        this.b = b;
        this.memoryFeed = memoryFeed;
    }

    Map<String, Object> run() {
        String account = "bench-mem-" + b.run;
        b.segments(account, "m");
        String worker = b.system.service("sync-worker").managementUrl();
        long pid = b.system.service("sync-worker").pid();
        Map<String, Object> first = holdPending(account, 0, b.sizes.memorySmall(), worker, pid);
        Map<String, Object> second = holdPending(account, b.sizes.memorySmall(), b.sizes.memoryLarge(), worker, pid);
        long peak1 = (long) first.get("peakHeapBytes");
        long peak2 = (long) second.get("peakHeapBytes");
        Map<String, Object> f = figure("sync-worker peak heap holding " + b.sizes.memoryLarge() + " pending contacts (bytes)", peak2,
                "peak heap holding " + b.sizes.memorySmall() + " pending contacts (bytes)", peak1, "≈ 1.0 (flat), not "
                        + ratio(b.sizes.memoryLarge(), b.sizes.memorySmall()));
        long live1 = (long) first.get("liveHeapAfterFullGcBytes");
        long live2 = (long) second.get("liveHeapAfterFullGcBytes");
        f.put("liveHeapRatio", ratio(live2, live1));
        f.put("met", ratio(peak2, peak1) <= 1.5 && ratio(live2, live1) <= 1.5);
        f.put("jvm", "-Xmx512m -XX:+UseSerialGC");
        f.put("feed", memoryFeed == Benchmark.MemoryFeed.CHANGES ? "MembershipChange records on " + Topics.MEMBERSHIP_CHANGES
                : "segment events through segment-service");
        f.put("small", first);
        f.put("large", second);
        return f;
    }

    private Map<String, Object> holdPending(String account, int from, int to, String worker, long pid) {
        Bench.log("memory: " + to + " pending contacts");
        HeapSampler sampler = HeapSampler.start(worker);
        Instant feedStart = Instant.now();
        for (int i = from; i < to; i++) {
            String email = "mem" + i + "@bench.example.com";
            if (memoryFeed == Benchmark.MemoryFeed.CHANGES) {
                b.publishChange(account, email, "m");
            } else {
                b.publish(SegmentEvent.fullSet(account, email, List.of("m"), null));
            }
        }
        b.kafka.flush();
        // Wait on consumer lag, which the broker answers in constant time: counting pending contacts is a scan of
        // the ledger's pending index, and polling it every 200 ms at millions of rows kept a core of PostgreSQL
        // busy and slowed the ingest it was waiting for. The count is read once the worker has caught up.
        Instant ingested = b.awaitCaughtUp(List.of("segment-service", "sync-worker"));
        long pendingNow = b.pending(account);
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
}
