package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** G8: an SRE resync by offset reset of every consumer group changes nothing and writes nothing to Klaviyo. */
class ReplayE2ETest extends E2ETestBase {

    /** Each service's consumer group and the topic it reads (the runbook's table). */
    private static final Map<String, String> GROUPS = Map.of(
            "segment-service", Topics.SEGMENT_EVENTS,
            "sync-worker", Topics.MEMBERSHIP_CHANGES,
            "klaviyo-gateway", Topics.SYNC_BATCHES);

    @Test
    void replayingEveryTopicFromTheEarliestOffsetWritesNothing() {
        connect();
        segment("whole-bean", "Category affinity: Whole_Bean", true);
        segment("vip", "VIP", true);
        try (KafkaTools kafka = new KafkaTools(system.kafkaBootstrapServers())) {
            for (int i = 0; i < 40; i++) {
                publish(kafka, full("replay" + i + "@example.com", i % 2 == 0 ? "whole-bean" : "vip"));
            }
            for (int i = 0; i < 40; i += 3) {
                publish(kafka, i % 2 == 0 ? entered("replay" + i + "@example.com", "vip") : exited("replay" + i + "@example.com", "vip"));
            }
            publish(kafka, deleted("replay1@example.com"));
            kafka.flush();
            flushAndAwaitConverged();
            awaitCaughtUp(kafka);
            long writesBefore = writes();

            system.stopAllAndRestart(() -> GROUPS.forEach((group, topic) ->
                    assertThat(kafka.resetToEarliest(group, topic)).contains(topic)));

            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> GROUPS.entrySet().stream()
                    .allMatch(e -> kafka.lag(e.getKey(), e.getValue()) == 0));
            api.flush(account).expect(200, 202, 204);
            awaitCaughtUp(kafka);
            assertConverged();
            assertThat(writes()).as("Klaviyo writes caused by the replay").isEqualTo(writesBefore);
        }
    }

    private void publish(KafkaTools kafka, SegmentEvent event) {
        SegmentEvent stamped = stampForKafka(event);
        kafka.publish(stamped);
        model.apply(stamped);
    }

    private void awaitCaughtUp(KafkaTools kafka) {
        // Lag 0 for every group, stable over a few seconds (relays and throttled commits settle).
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> GROUPS.entrySet().stream().allMatch(e -> kafka.lag(e.getKey(), e.getValue()) == 0));
    }

    private long writes() {
        return system.klaviyo().calls().forKey(klaviyoKey).stream().filter(Call::isWrite).count();
    }
}
