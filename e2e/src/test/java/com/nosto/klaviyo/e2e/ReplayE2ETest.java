package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BiConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * G8: an SRE resync by offset reset of every consumer group, to the earliest offset or to a point in time in the middle
 * of the topics, changes nothing and writes nothing to Klaviyo.
 */
class ReplayE2ETest extends E2ETestBase {

    /** Each service's consumer group and the topic it reads (the runbook's table). */
    private static final Map<String, String> GROUPS = Map.of(
            "segment-service", Topics.SEGMENT_EVENTS,
            "sync-worker", Topics.MEMBERSHIP_CHANGES,
            "klaviyo-gateway", Topics.SYNC_BATCHES);

    @Test
    void replayingEveryTopicFromTheEarliestOffsetWritesNothing() {
        connectWithTwoSyncedSegments();
        try (KafkaTools kafka = new KafkaTools(system.kafkaBootstrapServers())) {
            for (int i = 0; i < 40; i++) {
                publish(kafka, full("replay" + i + "@example.com", i % 2 == 0 ? "whole-bean" : "vip"));
            }
            for (int i = 0; i < 40; i += 3) {
                publish(kafka, i % 2 == 0 ? entered("replay" + i + "@example.com", "vip") : exited("replay" + i + "@example.com", "vip"));
            }
            publish(kafka, deleted("replay1@example.com"));
            applyWindow(kafka);

            replayAndAssertNothingWritten(kafka, (group, topic) -> assertThat(kafka.resetToEarliest(group, topic)).contains(topic));
        }
    }

    @Test
    void replayingEveryTopicFromAPointInTheMiddleWritesNothing() {
        connectWithTwoSyncedSegments();
        try (KafkaTools kafka = new KafkaTools(system.kafkaBootstrapServers())) {
            // Before the incident: contacts enter, a window is applied.
            for (int i = 0; i < 30; i++) {
                publish(kafka, full("mid" + i + "@example.com", i % 2 == 0 ? "whole-bean" : "vip"));
            }
            applyWindow(kafka);
            // Every record of the first part was written before this instant (the window was applied seconds ago), every
            // record of the second part after it; a record in its very millisecond would only be re-read as well.
            Instant incident = Instant.now();
            // After it: the same contacts move, leave and are deleted, new ones enter; a second window is applied.
            for (int i = 0; i < 30; i += 2) {
                publish(kafka, i % 4 == 0 ? entered("mid" + i + "@example.com", "vip") : exited("mid" + i + "@example.com", "whole-bean"));
            }
            publish(kafka, deleted("mid1@example.com"));
            for (int i = 30; i < 40; i++) {
                publish(kafka, full("mid" + i + "@example.com", "vip"));
            }
            applyWindow(kafka);

            // "Replay since the incident": each group rewound to the first record written after it, a different offset
            // in each topic; each group then has the second part to re-read and nothing of the first.
            replayAndAssertNothingWritten(kafka, (group, topic) -> {
                assertThat(kafka.resetToDatetime(group, topic, incident)).contains(topic);
                assertThat(kafka.committed(group, topic).values().stream().mapToLong(Long::longValue).sum())
                        .as("%s rewound into the middle of %s, not to its start", group, topic).isPositive();
                assertThat(kafka.lag(group, topic)).as("%s has the records after the incident to re-read", group).isPositive();
            });
        }
    }

    private void connectWithTwoSyncedSegments() {
        connect();
        segment("whole-bean", "Category affinity: Whole_Bean", true);
        segment("vip", "VIP", true);
    }

    /** Publishes what was sent, flushes the window, and waits until Klaviyo matches and every group is caught up. */
    private void applyWindow(KafkaTools kafka) {
        kafka.flush();
        flushAndAwaitConverged();
        awaitCaughtUp(kafka);
    }

    /**
     * Stops every service, resets each group with {@code reset} (group, topic), restarts, lets them catch up and flush,
     * and checks Klaviyo still matches and not one write was made.
     */
    private void replayAndAssertNothingWritten(KafkaTools kafka, BiConsumer<String, String> reset) {
        long writesBefore = writes();
        system.stopAllAndRestart(() -> GROUPS.forEach(reset));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> GROUPS.entrySet().stream()
                .allMatch(e -> kafka.lag(e.getKey(), e.getValue()) == 0));
        api.flush(account).expect(200, 202, 204);
        awaitCaughtUp(kafka);
        assertConverged();
        assertThat(writes()).as("Klaviyo writes caused by the replay").isEqualTo(writesBefore);
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
