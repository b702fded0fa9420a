package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.seconds;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Figure 5: replaying every topic from the earliest offset, with nothing changed, writes nothing to Klaviyo. */
final class ReplayFigure {

    private final Bench b;

    ReplayFigure(Bench b) {
        this.b = b;
    }

    Map<String, Object> run(String key, String account) {
        Bench.log("replay: every group from the earliest offset");
        b.awaitCaughtUp(List.of("segment-service", "sync-worker", "klaviyo-gateway"));
        long before = b.writes();
        long records = Bench.GROUPS.values().stream().mapToLong(t -> Bench.total(b.endOffsets(t))).sum();
        Instant t0 = Instant.now();
        b.system.stopAllAndRestart(() -> Bench.GROUPS.forEach(b.kafka::resetToEarliest));
        b.awaitCaughtUp(List.of("segment-service", "sync-worker", "klaviyo-gateway"));
        b.api.flush(account).expect(200, 202, 204);
        b.awaitCaughtUp(List.of("klaviyo-gateway"));
        b.awaitQuiet(key);
        long replayWrites = b.writes() - before;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("measure", "Klaviyo write calls caused by replaying every topic from the earliest offset with nothing changed");
        f.put("value", replayWrites);
        f.put("target", "0");
        f.put("met", replayWrites == 0);
        f.put("recordsReplayed", records);
        f.put("replaySeconds", seconds(Duration.between(t0, Instant.now())));
        return f;
    }
}
