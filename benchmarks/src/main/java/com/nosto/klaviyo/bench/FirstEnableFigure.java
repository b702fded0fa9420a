package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.ratio;
import static com.nosto.klaviyo.bench.Figures.round;
import static com.nosto.klaviyo.bench.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Figure 8, "a million-member first enable": a segment whose members segment-service already holds (sync off) is
 * switched on for the first time. Measured from the switch to every member in Klaviyo, split in two:
 * <ul>
 * <li>the pipeline's part: switch → segment-service's fan-out emitted every member and sync-worker holds them all
 * (lag 0), plus SRE flush → the window's last SyncBatch on {@code klaviyo-sync-batches}; the time between the two
 * is the first-enable window's wait (1 h in production), which the flush cuts short and the figure leaves out;</li>
 * <li>the Klaviyo part: the window's last SyncBatch on the topic → the account's last Klaviyo call.</li>
 * </ul>
 * Its limit is the time Klaviyo's rate limits impose on the fewest calls that can add that many profiles (bulk import
 * jobs with the list attached and their polls, {@link Limits}). Target: pipeline ≤ 0.5 × that limit. The peak heap of
 * each service is sampled from the switch until Klaviyo is quiet.
 */
final class FirstEnableFigure {

    private final Bench b;

    FirstEnableFigure(Bench b) {
        this.b = b;
    }

    Map<String, Object> run() {
        String account = "bench-fe-" + b.run;
        String key = "pk_bench_" + b.run + "fe";
        String segment = "big";
        int members = b.sizes.firstEnable();
        b.system.klaviyo().account(key);
        b.api.connectKlaviyo(account, key).expect(200, 201);
        b.api.putSegment(account, segment, "Segment " + segment).expect(200, 201);
        Bench.log("first enable: " + members + " members into an unsynced segment");
        for (int i = 0; i < members; i++) {
            b.publish(SegmentEvent.fullSet(account, "fe" + i + "@bench.example.com", List.of(segment), null));
        }
        b.kafka.flush();
        b.awaitIngested();
        long memberCount = memberCount(account, segment);
        if (memberCount != members) {
            throw new IllegalStateException("segment-service holds " + memberCount + " members of " + segment + ", expected " + members);
        }
        EmulatedAccount klaviyo = b.system.klaviyo().account(key);
        int callsBefore = b.system.klaviyo().calls().forKey(key).size();
        long changesBefore = Bench.total(b.endOffsets(Topics.MEMBERSHIP_CHANGES));
        long batchesBefore = Bench.total(b.endOffsets(Topics.SYNC_BATCHES));
        Map<String, HeapSampler> heaps = new TreeMap<>();
        for (String service : Bench.GROUPS.keySet()) {
            heaps.put(service, HeapSampler.start(b.system.service(service).managementUrl()));
        }

        Bench.log("first enable: switching the segment on");
        Instant switchAt = Instant.now();
        b.api.setSync(account, segment, true).expect(200, 202, 204);
        Probe.await("the fan-out emitted " + members + " changes", b.timeout,
                () -> Bench.total(b.endOffsets(Topics.MEMBERSHIP_CHANGES)) - changesBefore >= members);
        Instant fannedOut = Instant.now();
        Instant held = b.awaitCaughtUp(List.of("segment-service", "sync-worker"));
        Probe.await("the fan-out finished", b.timeout, () -> !fanningOut(account, segment));
        long pending = b.pending(account);
        if (pending != members) {
            throw new IllegalStateException("sync-worker holds " + pending + " pending contacts after the switch, expected " + members);
        }
        Instant flushAt = Instant.now();
        b.api.flush(account).expect(200, 202, 204);
        Instant released = b.awaitReleased(account);
        Probe.await("every member in Klaviyo (" + members + ")", b.timeout, () -> Bench.members(klaviyo) >= members);
        b.awaitQuiet(key);
        Map<String, Long> peaks = new TreeMap<>();
        heaps.forEach((service, sampler) -> peaks.put(service, sampler.stop()));

        List<Call> calls = b.system.klaviyo().calls().forKey(key);
        List<Call> windowCalls = calls.subList(callsBefore, calls.size());
        if (windowCalls.isEmpty()) {
            throw new IllegalStateException("no Klaviyo call for the first enable");
        }
        Call first = windowCalls.get(0);
        Call last = windowCalls.get(windowCalls.size() - 1);
        Instant lastDone = last.at().plusMillis(last.durationMillis());
        Duration pipeline = Duration.between(switchAt, held).plus(Duration.between(flushAt, released));
        Duration klaviyoPart = lastDone.isAfter(released) ? Duration.between(released, lastDone) : Duration.ZERO;
        Map<String, Long> minimum = Limits.minimumCalls(members, 0, 0, 0, 0, b.sizes.caps());
        Duration limit = Limits.imposedTime(minimum, b.rates(), Bench.BULK_JOB_DELAY);

        Map<String, Object> f = figure("seconds of the pipeline: switch → every member held by sync-worker, plus flush → the window's"
                        + " last SyncBatch on " + Topics.SYNC_BATCHES + " (the first-enable window's wait left out)",
                seconds(pipeline), "seconds Klaviyo's rate limits impose on the fewest calls that add " + members + " profiles",
                seconds(limit), "<= 0.5");
        f.put("met", ratio(seconds(pipeline), seconds(limit)) <= 0.5);
        f.put("rateScale", b.sizes.rateScale());
        // The same ratio against Klaviyo's limits as published (the run's rates are scaled by rateScale): where the
        // pipeline, not Klaviyo, would decide when a first enable is done.
        Duration publishedLimit = Limits.imposedTime(minimum, b.rates(1.0), Bench.BULK_JOB_DELAY);
        f.put("limitAtPublishedRatesSeconds", seconds(publishedLimit));
        f.put("ratioAtPublishedRates", ratio(seconds(pipeline), seconds(publishedLimit)));
        f.put("metAtPublishedRates", ratio(seconds(pipeline), seconds(publishedLimit)) <= 0.5);
        f.put("members", members);
        f.put("membersInKlaviyo", Bench.members(klaviyo));
        f.put("fanOutSeconds", seconds(Duration.between(switchAt, fannedOut)));
        f.put("heldSeconds", seconds(Duration.between(switchAt, held)));
        f.put("releaseSeconds", seconds(Duration.between(flushAt, released)));
        f.put("windowWaitLeftOutSeconds", seconds(Duration.between(held, flushAt)));
        f.put("klaviyoSeconds", seconds(klaviyoPart));
        f.put("klaviyoRatioToLimit", ratio(seconds(klaviyoPart), seconds(limit)));
        f.put("klaviyoFirstToLastCallSeconds", seconds(Duration.between(first.at(), lastDone)));
        f.put("firstCallAfterReleaseSeconds", seconds(Duration.between(released, first.at())));
        f.put("totalSeconds", seconds(pipeline.plus(klaviyoPart)));
        f.put("pendingContactsReleased", pending);
        f.put("syncBatches", Bench.total(b.endOffsets(Topics.SYNC_BATCHES)) - batchesBefore);
        f.put("minimumCallsByOperation", minimum);
        f.put("callsByOperation", windowCalls.stream().filter(c -> c.operationId() != null)
                .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting())));
        f.put("throttled429", windowCalls.stream().filter(c -> c.status() == 429).count());
        f.put("unanswered429", WindowFigures.unanswered429(windowCalls));
        Map<String, Object> heap = new LinkedHashMap<>();
        peaks.forEach((service, peak) -> heap.put(service, peak));
        f.put("peakHeapBytes", heap);
        f.put("peakHeapMb", peaks.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> round(e.getValue() / 1e6), (x, y) -> x, TreeMap::new)));
        f.put("jvm", Map.of("segment-service", "-Xmx256m -XX:+UseSerialGC (harness default)",
                "sync-worker", "-Xmx512m -XX:+UseSerialGC", "klaviyo-gateway", String.join(" ", Benchmark.GATEWAY_JVM)));
        return f;
    }

    private long memberCount(String account, String segment) {
        JsonNode s = segmentRow(account, segment);
        return s == null ? -1 : s.path("memberCount").asLong(-1);
    }

    private boolean fanningOut(String account, String segment) {
        JsonNode s = segmentRow(account, segment);
        return s == null || s.path("fanningOut").asBoolean(true);
    }

    private JsonNode segmentRow(String account, String segment) {
        var answer = b.api.segments(account);
        if (answer.status() != 200 || answer.body() == null) {
            return null;
        }
        for (JsonNode s : answer.body()) {
            if (segment.equals(s.path("segmentId").asText())) {
                return s;
            }
        }
        return null;
    }
}
