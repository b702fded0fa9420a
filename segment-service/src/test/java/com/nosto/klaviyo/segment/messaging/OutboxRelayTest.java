package com.nosto.klaviyo.segment.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox relay stopped mid-way and restarted: changes committed while it was stopped wait in the
 * outbox, and after the restart every one of them is published, each contact's in version order. And
 * the relay failing between the broker's ack and the delete: the round is published again, same event ids.
 */
@QuarkusTest
class OutboxRelayTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    @Inject
    OutboxRelay relay;
    @Inject
    OutboxRepository outbox;
    @Inject
    SegmentServiceConfig config;

    private final Api api = new Api();

    @AfterEach
    void restart() {
        relay.afterAcknowledged(null);
        relay.resume();
    }

    @Test
    void changesCommittedWhileStoppedArePublishedInOrderAfterRestart() {
        api.syncedSegment("a", "A");
        api.syncedSegment("b", "B");
        List<String> emails = List.of("r1@example.com", "r2@example.com", "r3@example.com");
        emails.forEach(e -> api.post(api.fullSet(e, T0, "a")));
        await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account).size() == 3);

        relay.pause();
        int rounds = 5;
        for (int i = 1; i <= rounds; i++) {
            for (String e : emails) {
                api.post(api.fullSet(e, T0.plusSeconds(i), i % 2 == 1 ? "b" : "a"));
            }
        }
        assertThat(outbox.count().await().atMost(Duration.ofSeconds(10))).isGreaterThanOrEqualTo(emails.size() * rounds);
        // The lag gauges show the backlog while the relay is stopped (counted every few seconds).
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("segment_outbox_pending") >= emails.size() * rounds
                && metric("segment_outbox_oldest_age_seconds") > 0);
        // While stopped nothing more leaves: the topic still holds only the first three changes.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> Changes.forAccount(api.account).size() == 3);

        relay.resume();
        List<MembershipChange> all = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forAccount(api.account), l -> l.size() >= emails.size() * (rounds + 1));

        Map<String, List<Long>> versionsByContact = all.stream().collect(Collectors.groupingBy(MembershipChange::email,
                Collectors.mapping(MembershipChange::version, Collectors.toList())));
        for (String e : emails) {
            assertThat(versionsByContact.get(e)).as(e).hasSize(rounds + 1).isSorted().doesNotHaveDuplicates();
        }
        assertThat(all).extracting(MembershipChange::eventId).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("segment_outbox_pending") == 0 && metric("segment_outbox_oldest_age_seconds") == 0);
    }

    /** Prometheus' scrape address: the management interface. */
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    /** A gauge's value as Prometheus scrapes it. */
    private double metric(String name) {
        Pattern line = Pattern.compile("^" + name + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(given().when().get(metrics).then().statusCode(200).extract().asString());
        if (!m.find()) {
            throw new AssertionError("no " + name + " in /q/metrics");
        }
        return Double.parseDouble(m.group(2));
    }

    /**
     * The relay fails right after the broker acknowledged a round and before the round's rows are deleted
     * (twice, on the first round of several), then runs normally. Every committed change is published; the
     * only duplicates are re-publishes of the very same record (same event id, same payload), so a consumer
     * that dedupes by event id sees each change exactly once and each contact's changes in version order.
     */
    @Test
    void crashBetweenBrokerAckAndOutboxDeleteRepublishesTheRoundWithTheSameEventIds() {
        api.syncedSegment("a", "A");
        api.syncedSegment("b", "B");
        int contacts = 150;
        int perContact = 4;
        relay.pause();
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 1; i <= perContact; i++) {
            for (int c = 0; c < contacts; c++) {
                events.add(api.fullSet("crash" + c + "@example.com", T0.plusSeconds(i), i % 2 == 1 ? "a" : "b"));
            }
        }
        for (int from = 0; from < events.size(); from += 300) {
            given().auth().oauth2(api.token).contentType(ContentType.JSON).body(events.subList(from, from + 300))
                    .when().post("/api/accounts/{a}/segment-events", api.account).then().statusCode(202);
        }
        int committed = contacts * perContact;
        int batch = config.outbox().batchSize();
        assertThat(committed).as("more changes than one relay round carries").isGreaterThan(batch);
        assertThat(outbox.count().await().atMost(Duration.ofSeconds(10))).isEqualTo(committed);

        String prefix = api.account + "|";
        AtomicInteger failuresLeft = new AtomicInteger(2);
        List<Long> failedRoundRows = new CopyOnWriteArrayList<>();
        relay.afterAcknowledged(round -> {
            if (round.stream().anyMatch(r -> r.key().startsWith(prefix)) && failuresLeft.getAndDecrement() > 0) {
                failedRoundRows.add(round.stream().filter(r -> r.key().startsWith(prefix)).count());
                throw new IllegalStateException("injected: relay died after the broker's ack, before the delete");
            }
        });
        relay.resume();

        await().atMost(Duration.ofSeconds(60)).until(() -> outbox.count().await().atMost(Duration.ofSeconds(10)) == 0);
        assertThat(failedRoundRows).as("rounds failed after their ack").hasSize(2);
        long republished = failedRoundRows.stream().mapToLong(Long::longValue).sum();
        List<ConsumerRecord<String, String>> records = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.keyedWith(Topics.MEMBERSHIP_CHANGES, prefix),
                        l -> l.size() >= committed + republished);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> Kafka.keyedWith(Topics.MEMBERSHIP_CHANGES, prefix).size() == records.size());

        // The failed rounds were published again, nothing else was: acked-but-undeleted rows are the only duplicates.
        assertThat(records).hasSize((int) (committed + republished));
        Map<String, List<String>> copiesById = records.stream().collect(Collectors.groupingBy(
                r -> Changes.parse(r.value()).eventId().toString(), Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
        assertThat(copiesById).as("distinct event ids: every committed change").hasSize(committed);
        assertThat(copiesById.values()).as("a duplicate is the same record again")
                .allSatisfy(copies -> assertThat(copies).containsOnly(copies.get(0)));

        // A consumer that dedupes by event id: each contact's changes exactly once, versions 1..n in order.
        Map<String, List<Long>> seenByContact = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            MembershipChange c = Changes.parse(r.value());
            if (seen.add(c.eventId().toString())) {
                seenByContact.computeIfAbsent(c.email(), e -> new ArrayList<>()).add(c.version());
            }
        }
        assertThat(seenByContact).hasSize(contacts);
        seenByContact.forEach((email, versions) -> assertThat(versions).as(email).hasSize(perContact).isSorted()
                .doesNotHaveDuplicates());
    }
}
