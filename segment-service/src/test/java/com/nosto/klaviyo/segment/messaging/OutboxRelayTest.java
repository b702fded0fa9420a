package com.nosto.klaviyo.segment.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.TopicTail;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox relay stopped mid-way and restarted: changes committed while it was stopped wait in the
 * outbox, and after the restart every one of them is published, each contact's in version order. And
 * the relay failing between the broker's ack and the delete: the round is published again, same event ids.
 * And a rolling upgrade: rows of the per-change table (written by the earlier version) and per-transaction
 * rows interleaved by id are published merged by id, even when the per-change rows fill a round.
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
    @Inject
    Pool pool;

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
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("outbox_pending") >= emails.size() * rounds
                && metric("outbox_oldest_age_seconds") > 0);
        // While stopped nothing more leaves: the topic still holds only the first three changes.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> Changes.forAccount(api.account).size() == 3);

        relay.resume();
        List<MembershipChange> all = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forAccount(api.account), l -> l.size() >= emails.size() * (rounds + 1));

        Map<String, List<Long>> versionsByContact = all.stream().collect(Collectors.groupingBy(MembershipChange::email,
                Collectors.mapping(MembershipChange::version, Collectors.toList())));
        for (String e : emails) {
            assertThat(versionsByContact.get(e)).as(e).containsExactlyElementsOf(
                    LongStream.rangeClosed(1, rounds + 1).boxed().toList());
        }
        assertThat(all).extracting(MembershipChange::eventId).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("outbox_pending") == 0 && metric("outbox_oldest_age_seconds") == 0);
    }

    /** A gauge's value as Prometheus scrapes it. */
    private static double metric(String name) {
        Pattern line = Pattern.compile("^" + name + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(given().when().get("/q/metrics").then().statusCode(200).extract().asString());
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
                .until(() -> TopicTail.of(Topics.MEMBERSHIP_CHANGES).matching(r -> r.key() != null && r.key().startsWith(prefix)),
                        l -> l.size() >= committed + republished);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> TopicTail.of(Topics.MEMBERSHIP_CHANGES)
                .matching(r -> r.key() != null && r.key().startsWith(prefix)).size() == records.size());

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
        seenByContact.forEach((email, versions) -> assertThat(versions).as(email)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, perContact).boxed().toList()));
    }

    /**
     * A contact whose partition moves between instances of two versions during a rolling upgrade: versions 1..501
     * in the per-change table (the earlier version), then 502 in a per-transaction row (ids from the one sequence,
     * in that order). The per-change rows fill a round (500) with one left over, so the per-transaction row must
     * wait for the round after the leftover: published order is 1..502. And back: 503 in the per-change table
     * after 502, published after it.
     */
    @Test
    void perChangeRowsOfAnEarlierVersionAndPerTransactionRowsArePublishedMergedById() throws Exception {
        int batch = config.outbox().batchSize();
        String email = "upgrade@example.com";
        String key = api.account + "|" + email;
        relay.pause();
        List<String> first = new ArrayList<>();
        for (int v = 1; v <= batch + 1; v++) {
            first.add(change(email, v));
        }
        insertPerChange(key, first);
        pool.preparedQuery("insert into segment_service.outbox_tx (keys, payloads) values ($1, $2)")
                .execute(Tuple.of(new String[] {key}, new String[] {change(email, batch + 2)}))
                .await().atMost(Duration.ofSeconds(10));
        insertPerChange(key, List.of(change(email, batch + 3)));
        assertThat(outbox.count().await().atMost(Duration.ofSeconds(10))).isGreaterThanOrEqualTo(batch + 3);

        relay.resume();

        List<ConsumerRecord<String, String>> records = await().atMost(Duration.ofSeconds(60))
                .until(() -> TopicTail.of(Topics.MEMBERSHIP_CHANGES).matching(r -> key.equals(r.key())), l -> l.size() >= batch + 3);
        assertThat(records.stream().map(r -> Changes.parse(r.value()).version()).toList())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, batch + 3).boxed().toList());
    }

    private void insertPerChange(String key, List<String> payloads) {
        String[] keys = payloads.stream().map(p -> key).toArray(String[]::new);
        String[] ids = payloads.stream().map(p -> Changes.parse(p).eventId().toString()).toArray(String[]::new);
        pool.preparedQuery("insert into segment_service.outbox (topic_key, event_id, payload)"
                        + " select k, cast(e as uuid), p from unnest($1::text[], $2::text[], $3::text[]) with ordinality as t(k, e, p, n)"
                        + " order by n")
                .execute(Tuple.of(keys, ids, payloads.toArray(String[]::new))).await().atMost(Duration.ofSeconds(10));
    }

    private String change(String email, long version) throws Exception {
        SegmentRef a = new SegmentRef("a", "A");
        return EventJson.mapper().writeValueAsString(new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(),
                version == 1 ? ChangeType.ADDED : ChangeType.MOVED, api.account, email, version, List.of(), List.of(a), a.name(),
                ChangeCause.membership(), T0.plusSeconds(version)));
    }
}
