package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.messaging.SegmentEventConsumer;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A poll whose transaction the database refuses because of one event (here the seam makes that event's transaction
 * run a statement that fails with a data exception, SQLSTATE 22012, standing in for a value the validator does not
 * know the database cannot hold). The poll falls back to one transaction per event: that event is dead-lettered with
 * the failure as its reason (after a transient failure of its own transaction was waited out, not dead-lettered),
 * the others are stored once each, in record order.
 */
@QuarkusTest
class PollFallbackTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    @Inject
    MembershipService membership;
    @Inject
    SegmentEventConsumer consumer;
    @Inject
    Pool pool;
    @Inject
    SegmentMetrics metrics;

    private final Api api = new Api();

    @AfterEach
    void removeSeam() {
        membership.afterDefinitionsRead(null);
    }

    private ConsumerRecord<String, String> record(long offset, String email, Instant at, String segment) {
        return new ConsumerRecord<>(Topics.SEGMENT_EVENTS, 5, offset, api.account + "|" + email, "{\"accountId\":\""
                + api.account + "\",\"email\":\"" + email + "\",\"segments\":[\"" + segment + "\"],\"observedAt\":\"" + at + "\"}");
    }

    @Test
    void aPollWhoseTransactionFailsIsStoredEventByEventAndThePoisonDeadLettered() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("coffee", "Coffee");
        AtomicInteger poisonAttempts = new AtomicInteger();
        membership.afterDefinitionsRead(e -> {
            if (!e.email().equals("poison@example.com")) {
                return Uni.createFrom().voidItem();
            }
            // The poll's attempt and the first of its own: refused by the database; in between, an outage.
            return poisonAttempts.incrementAndGet() == 2 ? Uni.createFrom().failure(new IllegalStateException("connection reset"))
                    : Panache.getSession().chain(session -> session.createNativeQuery("select 1 / 0").getSingleResult());
        });
        ConsumerRecord<String, String> poison = record(7_000_002, "poison@example.com", T0, "vip");
        List<ConsumerRecord<String, String>> poll = List.of(
                record(7_000_000, "a@example.com", T0, "vip"),
                record(7_000_001, "b@example.com", T0, "vip"),
                poison,
                record(7_000_003, "b@example.com", T0.plusSeconds(60), "coffee"),
                record(7_000_004, "c@example.com", T0, "coffee"));

        double fallbacks = metrics.polls("fallback");
        Reactive.await(() -> consumer.apply(poll));
        assertThat(metrics.polls("fallback")).isEqualTo(fallbacks + 1);

        // Once in the poll's transaction, then twice in its own: the outage waited out, the refusal dead-lettered.
        assertThat(poisonAttempts).hasValue(3);
        String key = poison.key();
        String json = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.SEGMENT_EVENTS_DLQ, r -> key.equals(r.key())), l -> !l.isEmpty())
                .get(0).value();
        DeadLetter letter = EventJson.read(json, DeadLetter.class);
        assertThat(letter.errorType()).isEqualTo(SegmentEventConsumer.PROCESSING_FAILED);
        assertThat(letter.reason()).startsWith("Could not be stored: ").contains("[22012]").contains("division by zero");
        assertThat(letter.payload()).isEqualTo(poison.value());
        assertThat(letter.sourceOffset()).isEqualTo(poison.offset());

        List<MembershipChange> a = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, "a@example.com"), l -> !l.isEmpty());
        List<MembershipChange> b = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, "b@example.com"), l -> l.size() >= 2);
        List<MembershipChange> c = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, "c@example.com"), l -> !l.isEmpty());
        // Stored once each, and nothing more for 1 s: the failed poll transaction left nothing behind.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Changes.forContact(api.account, "a@example.com")).hasSize(1);
            assertThat(Changes.forContact(api.account, "b@example.com")).extracting(MembershipChange::version)
                    .hasSize(2).isSorted().doesNotHaveDuplicates();
            assertThat(Changes.forContact(api.account, "poison@example.com")).isEmpty();
        });
        assertThat(b.get(1).segmentNamesAfter()).containsExactly("Coffee");
        assertThat(c.get(0).segmentNamesAfter()).containsExactly("Coffee");
        assertThat(Changes.forContact(api.account, "poison@example.com")).isEmpty();
        assertThat(pool.preparedQuery("select count(*) from segment_service.contact where account_id = $1 and email = $2")
                .execute(Tuple.of(api.account, "poison@example.com")).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0)).isZero();
    }
}
