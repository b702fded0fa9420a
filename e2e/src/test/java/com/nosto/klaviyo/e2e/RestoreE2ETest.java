package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.e2e.harness.SchemaBackup;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Issue 19.5: segment-service's database restored from a backup while the system runs on, repaired as the runbook says
 * (docs/operations.md, "Resync": a service's database restored from a backup → replay its input topic from before the
 * backup). Changes made after the backup are re-derived from {@code segment-events}, and the changes after the restore
 * carry versions above every version emitted before it, so downstream does not drop them as stale: Klaviyo ends equal
 * to the model and nothing is dead-lettered.
 */
class RestoreE2ETest extends E2ETestBase {

    private static final String SEGMENT_SERVICE = "segment-service";
    /** Every consumer group and the topic it reads (the runbook's table). */
    private static final Map<String, String> GROUPS = Map.of(
            SEGMENT_SERVICE, Topics.SEGMENT_EVENTS,
            "sync-worker", Topics.MEMBERSHIP_CHANGES,
            "klaviyo-gateway", Topics.SYNC_BATCHES);
    private static final List<String> DEAD_LETTER_TOPICS = List.of(Topics.SEGMENT_EVENTS_DLQ, Topics.MEMBERSHIP_CHANGES_DLQ,
            Topics.SYNC_BATCHES_DLQ);

    @Test
    void aRestoredSegmentServiceDatabaseIsRepairedByTheRunbookAndLaterChangesAreNotDroppedAsStale() {
        connect();
        segment("whole-bean", "Category affinity: Whole_Bean", true);
        segment("vip", "VIP", true);
        try (KafkaTools kafka = new KafkaTools(system.kafkaBootstrapServers())) {
            long deadLettersBefore = deadLetters(kafka);

            // Every event of this test is published after this instant (the runbook's margin before the backup).
            Instant margin = Instant.now();
            // 1. Before the backup: ten contacts in one segment or the other, one of them deleted; applied.
            for (int i = 0; i < 10; i++) {
                publish(kafka, full(email(i), i % 2 == 0 ? "whole-bean" : "vip"));
            }
            publish(kafka, deleted(email(9)));
            applyWindow(kafka);

            // 2. The backup (pg_dump of the schema, or its plain-SQL copy), the system running on.
            SchemaBackup backup = SchemaBackup.take(system.database(), "segment_service");
            System.out.println("RestoreE2ETest: backup of segment_service by " + backup.method());

            // 3. After it: existing contacts change (contact 0 three times, so its stored version runs well ahead of the
            // backup's), one is deleted, the deleted one comes back, new contacts enter; all released and applied.
            publish(kafka, entered(email(0), "vip"));
            publish(kafka, exited(email(0), "whole-bean"));
            publish(kafka, entered(email(0), "whole-bean"));
            publish(kafka, entered(email(1), "whole-bean"));
            publish(kafka, exited(email(2), "whole-bean"));
            publish(kafka, deleted(email(3)));
            publish(kafka, full(email(9), "vip"));
            for (int i = 10; i < 14; i++) {
                publish(kafka, full(email(i), "whole-bean", "vip"));
            }
            applyWindow(kafka);
            // And an SRE resync of the account: every listed contact re-stated with a new version, changes that are not
            // on segment-events, so no replay re-derives them. A version counter rolled back by the restore would stay
            // below these, and the contacts' next changes would be dropped downstream as stale.
            api.resync(account).expect(202);
            List<String> listed = IntStream.of(0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13).mapToObj(RestoreE2ETest::email).toList();
            Awaitility.await("the resync of every listed contact").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> resynced(kafka).containsAll(listed));
            applyWindow(kafka);
            List<ConsumerRecord<String, String>> beforeRestore = kafka.readAll(Topics.MEMBERSHIP_CHANGES);
            Map<String, Long> emittedBeforeRestore = lastVersions(beforeRestore);
            Set<String> eventsBeforeRestore = beforeRestore.stream().filter(this::ours).map(r -> json(r.value()).path("eventId").asText())
                    .collect(Collectors.toSet());

            // 4 and 5. The runbook: segment-service stopped, its schema restored, its consumer group rewound on
            // segment-events to a margin before the backup (what it re-reads from before the backup is stale to it),
            // started again. Producers are not stopped: events keep arriving meanwhile.
            system.stopAndRestart(SEGMENT_SERVICE, () -> {
                backup.restore();
                publish(kafka, exited(email(4), "whole-bean"));
                publish(kafka, full(email(14), "vip"));
                kafka.flush();
                assertThat(kafka.resetToDatetime(SEGMENT_SERVICE, Topics.SEGMENT_EVENTS, margin))
                        .contains(Topics.SEGMENT_EVENTS);
                assertThat(kafka.lag(SEGMENT_SERVICE, Topics.SEGMENT_EVENTS)).as("events after the backup to re-read").isPositive();
            });
            backup.close();
            applyWindow(kafka);

            // 6. Changes after the restore: the contacts whose changes the restore took back change again. They reach
            // Klaviyo only if their versions are above what was emitted before the restore.
            publish(kafka, exited(email(0), "vip"));
            publish(kafka, entered(email(1), "vip"));
            publish(kafka, entered(email(2), "vip"));
            publish(kafka, full(email(3), "whole-bean"));
            publish(kafka, exited(email(9), "vip"));
            publish(kafka, entered(email(12), "whole-bean"));
            publish(kafka, exited(email(12), "vip"));
            applyWindow(kafka);

            // Every change emitted since (a row of the restored outbox relayed again would carry an event id seen before:
            // downstream ignores it, and it is not a new change).
            Map<String, Long> emittedAfterRestore = lastVersions(kafka.readAll(Topics.MEMBERSHIP_CHANGES).stream()
                    .filter(r -> ours(r) && !eventsBeforeRestore.contains(json(r.value()).path("eventId").asText())).toList());
            assertThat(emittedAfterRestore.keySet()).as("contacts changed after the restore")
                    .containsAll(List.of(email(0), email(1), email(2), email(3), email(9), email(12)));
            emittedAfterRestore.forEach((email, version) -> assertThat(version)
                    .as("a version emitted after the restore, against the last one emitted before it")
                    .isGreaterThan(emittedBeforeRestore.getOrDefault(email, 0L)));
            assertThat(deadLetters(kafka)).as("dead letters of the account").isEqualTo(deadLettersBefore);
        }
        assertConverged();
    }

    private static String email(int i) {
        return "restore" + i + "@example.com";
    }

    private void publish(KafkaTools kafka, SegmentEvent event) {
        SegmentEvent stamped = stampForKafka(event);
        kafka.publish(stamped);
        model.apply(stamped);
    }

    /** Publishes what was sent, flushes the window until Klaviyo matches the model, and waits for every group to catch up. */
    private void applyWindow(KafkaTools kafka) {
        kafka.flush();
        Awaitility.await("segment-service caught up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> kafka.lag(SEGMENT_SERVICE, Topics.SEGMENT_EVENTS) == 0);
        flushAndAwaitConverged();
        Awaitility.await("every group caught up").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> GROUPS.entrySet().stream().allMatch(e -> kafka.lag(e.getKey(), e.getValue()) == 0));
    }

    /** The contacts of this account with a change of cause RESYNC on the topic. */
    private Set<String> resynced(KafkaTools kafka) {
        return kafka.readAll(Topics.MEMBERSHIP_CHANGES).stream().filter(this::ours).map(r -> json(r.value()))
                .filter(c -> c.path("cause").path("kind").asText().equals("RESYNC")).map(c -> c.path("email").asText()).collect(Collectors.toSet());
    }

    /** A membership change of this account (keyed account|email). */
    private boolean ours(ConsumerRecord<String, String> r) {
        return r.value() != null && r.key() != null && r.key().startsWith(account + "|");
    }

    /** The highest version on {@code records} per contact of this account. */
    private Map<String, Long> lastVersions(List<ConsumerRecord<String, String>> records) {
        Map<String, Long> versions = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            if (ours(r)) {
                JsonNode change = json(r.value());
                versions.merge(change.path("email").asText(), change.path("version").asLong(), Math::max);
            }
        }
        return versions;
    }

    /** Records of this account on any dead-letter topic. */
    private long deadLetters(KafkaTools kafka) {
        return DEAD_LETTER_TOPICS.stream().flatMap(t -> kafka.readAll(t).stream())
                .filter(r -> (r.key() != null && r.key().contains(account)) || (r.value() != null && r.value().contains(account)))
                .count();
    }

    private static JsonNode json(String value) {
        try {
            return EventJson.mapper().readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
