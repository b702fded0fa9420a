package com.nosto.klaviyo.segment.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The batch path: one Kafka poll, one transaction. The polls are handed to the consumer's own poll
 * method ({@link SegmentEventConsumer#apply}, what the channel calls with each poll), so what shares a
 * poll is certain rather than up to the broker's fetch sizes; the database, the outbox relay and the
 * topics are the real ones.
 */
@QuarkusTest
class PollIngestTest {

    private static final AtomicLong OFFSETS = new AtomicLong(1_000_000);
    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final Instant T1 = T0.plusSeconds(60);
    private static final Instant T2 = T0.plusSeconds(120);

    @Inject
    SegmentEventConsumer consumer;
    @Inject
    Pool pool;
    @Inject
    SegmentMetrics metrics;

    private final Api api = new Api();

    private ConsumerRecord<String, String> record(String email, String body) {
        return new ConsumerRecord<>(Topics.SEGMENT_EVENTS, 3, OFFSETS.incrementAndGet(), api.account + "|" + email,
                "{\"accountId\":\"" + api.account + "\",\"email\":\"" + email + "\"," + body + "}");
    }

    private ConsumerRecord<String, String> segments(String email, Instant at, String... segmentIds) {
        String list = String.join(",", java.util.Arrays.stream(segmentIds).map(s -> "\"" + s + "\"").toList());
        return record(email, "\"segments\":[" + list + "],\"observedAt\":\"" + at + "\"");
    }

    private ConsumerRecord<String, String> delta(String email, Instant at, String entered, String exited) {
        return record(email, "\"entered\":[" + (entered == null ? "" : "\"" + entered + "\"") + "],\"exited\":["
                + (exited == null ? "" : "\"" + exited + "\"") + "],\"observedAt\":\"" + at + "\"");
    }

    private ConsumerRecord<String, String> deletion(String email, Instant at) {
        return record(email, "\"deleted\":true,\"observedAt\":\"" + at + "\"");
    }

    /** Applies the poll and checks it was stored in one transaction (not by the one-event-at-a-time fallback). */
    private void applyPoll(List<ConsumerRecord<String, String>> poll) {
        double batches = metrics.polls("batch");
        double fallbacks = metrics.polls("fallback");
        Reactive.await(() -> consumer.apply(poll));
        assertThat(metrics.polls("fallback")).as("polls fallen back to one transaction per event").isEqualTo(fallbacks);
        assertThat(metrics.polls("batch")).as("polls stored in one transaction").isEqualTo(batches + 1);
    }

    private List<MembershipChange> awaitChanges(String email, int count) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forContact(api.account, email), l -> l.size() >= count);
    }

    private List<String> memberships(String email) {
        List<String> out = new ArrayList<>();
        for (Row r : pool.preparedQuery("select segment_id from segment_service.membership where account_id = $1 and email = $2"
                + " order by entry_seq").execute(Tuple.of(api.account, email)).await().atMost(Duration.ofSeconds(10))) {
            out.add(r.getString(0));
        }
        return out;
    }

    /** Every contact of the account as (email, observedAt, version, entry_seq, synced view), and its tombstones. */
    private List<String> state() {
        List<String> out = new ArrayList<>();
        for (Row r : pool.preparedQuery("select email, observed_at, version, entry_seq, synced_view from segment_service.contact"
                + " where account_id = $1 order by email").execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10))) {
            out.add(r.getString(0) + " " + r.getOffsetDateTime(1) + " v" + r.getLong(2) + " e" + r.getLong(3) + " " + r.getString(4));
        }
        for (Row r : pool.preparedQuery("select key_hash, deleted_at, version from segment_service.contact_tombstone"
                + " where account_id = $1 order by key_hash").execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10))) {
            out.add("tombstone " + r.getString(0) + " " + r.getOffsetDateTime(1) + " v" + r.getLong(2));
        }
        for (Row r : pool.preparedQuery("select email, segment_id, entry_seq from segment_service.membership"
                + " where account_id = $1 order by email, segment_id").execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10))) {
            out.add("member " + r.getString(0) + " " + r.getString(1) + " e" + r.getLong(2));
        }
        return out;
    }

    private long outboxSequence() {
        return pool.query("select last_value from segment_service.outbox_id_seq").execute().await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }

    @Test
    void eventsOfOneContactInOnePollApplyInRecordOrderWhateverTheirObservedAtOrder() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("coffee", "Coffee");

        applyPoll(List.of(
                // x: the later event first, so the earlier one is stale.
                segments("x@example.com", T1, "vip", "coffee"),
                // y: the earlier event first, so both apply.
                segments("y@example.com", T0, "vip"),
                segments("x@example.com", T0, "vip"),
                segments("y@example.com", T1, "coffee"),
                // w: entering, leaving and entering a segment again within the poll.
                delta("w@example.com", T0, "vip", null),
                delta("w@example.com", T1, null, "vip"),
                delta("w@example.com", T2, "vip", null),
                // z: added, deleted and added again within the poll.
                segments("z@example.com", T0, "vip"),
                deletion("z@example.com", T1),
                segments("z@example.com", T2, "coffee")));

        List<MembershipChange> x = awaitChanges("x@example.com", 1);
        assertThat(x).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo(ChangeType.ADDED);
            assertThat(c.version()).isPositive();
            assertThat(c.segmentNamesAfter()).containsExactly("VIP", "Coffee");
        });
        assertThat(memberships("x@example.com")).containsExactly("vip", "coffee");

        List<MembershipChange> y = awaitChanges("y@example.com", 2);
        assertThat(y).extracting(MembershipChange::version).isSorted().doesNotHaveDuplicates();
        assertThat(y.get(0).segmentNamesAfter()).containsExactly("VIP");
        assertThat(y.get(1).type()).isEqualTo(ChangeType.MOVED);
        assertThat(y.get(1).segmentNamesAfter()).containsExactly("Coffee");
        assertThat(memberships("y@example.com")).containsExactly("coffee");

        List<MembershipChange> w = awaitChanges("w@example.com", 3);
        assertThat(w).extracting(MembershipChange::version).isSorted().doesNotHaveDuplicates();
        assertThat(w).extracting(MembershipChange::type).containsExactly(ChangeType.ADDED, ChangeType.REMOVED, ChangeType.ADDED);
        assertThat(memberships("w@example.com")).containsExactly("vip");

        List<MembershipChange> z = awaitChanges("z@example.com", 3);
        assertThat(z).as("versions keep growing across the deletion").extracting(MembershipChange::version).isSorted()
                .doesNotHaveDuplicates();
        assertThat(z.get(1).segmentsAfter()).isEmpty();
        assertThat(z.get(2).segmentNamesAfter()).containsExactly("Coffee");
        assertThat(memberships("z@example.com")).containsExactly("coffee");

        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Changes.forAccount(api.account)).as("no change beyond those above, for 1 s").hasSize(1 + 2 + 3 + 3));
    }

    @Test
    void malformedAndInvalidRecordsAreDeadLetteredAndTheRestOfThePollApplied() {
        api.syncedSegment("vip", "VIP");
        ConsumerRecord<String, String> malformed = new ConsumerRecord<>(Topics.SEGMENT_EVENTS, 3, OFFSETS.incrementAndGet(),
                api.account + "|bad1@example.com", "{\"accountId\": \"" + api.account + "\", \"email\": ");
        ConsumerRecord<String, String> invalid = segments("not-an-email", T0, "vip");

        applyPoll(List.of(segments("a@example.com", T0, "vip"), malformed, invalid, segments("b@example.com", T0, "vip")));

        assertThat(awaitChanges("a@example.com", 1).get(0).type()).isEqualTo(ChangeType.ADDED);
        assertThat(awaitChanges("b@example.com", 1).get(0).type()).isEqualTo(ChangeType.ADDED);
        DeadLetter bad = awaitDeadLetter(malformed.key());
        assertThat(bad.errorType()).isEqualTo("MALFORMED_JSON");
        assertThat(bad.reason()).startsWith("Malformed JSON");
        assertThat(bad.payload()).isEqualTo(malformed.value());
        assertThat(bad.sourceOffset()).isEqualTo(malformed.offset());
        assertThat(bad.sourcePartition()).isEqualTo(3);
        DeadLetter wrong = awaitDeadLetter(invalid.key());
        assertThat(wrong.errorType()).isEqualTo("INVALID_EVENT");
        assertThat(wrong.reason()).startsWith("/email");
        assertThat(wrong.payload()).isEqualTo(invalid.value());
        assertThat(wrong.sourceOffset()).isEqualTo(invalid.offset());
    }

    @Test
    void aRedeliveredPollEmitsNothingAndChangesNothing() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("coffee", "Coffee");
        List<ConsumerRecord<String, String>> poll = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            poll.add(segments("r" + i + "@example.com", T0, i % 2 == 0 ? "vip" : "coffee"));
        }
        poll.add(delta("r1@example.com", T1, "vip", "coffee"));
        poll.add(deletion("r2@example.com", T1));
        poll.add(deletion("never@example.com", T1));
        poll.add(delta("r3@example.com", T1, "vip", null));
        applyPoll(poll);
        await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account).size() >= 23);
        List<String> before = state();
        long outboxBefore = outboxSequence();

        // Its offsets were not committed (say the instance died right after the commit): the same poll again.
        applyPoll(poll);

        assertThat(state()).as("no contact, tombstone or membership written differently").isEqualTo(before);
        assertThat(outboxSequence()).as("no outbox row written").isEqualTo(outboxBefore);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Changes.forAccount(api.account)).as("20 added, r1 moved, r2 removed, r3 moved; nothing more for 1 s")
                        .hasSize(23));
    }

    private static DeadLetter awaitDeadLetter(String key) {
        String json = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.SEGMENT_EVENTS_DLQ, r -> key.equals(r.key())), l -> !l.isEmpty())
                .get(0).value();
        return EventJson.read(json, DeadLetter.class);
    }
}
