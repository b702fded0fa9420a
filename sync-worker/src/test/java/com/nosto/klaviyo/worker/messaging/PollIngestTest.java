package com.nosto.klaviyo.worker.messaging;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The batch path: one poll, one transaction. The polls here are handed to the worker's own poll
 * method ({@link MembershipChangeConsumer#apply}, what the channel calls with each Kafka poll), so
 * that what shares a poll is certain rather than up to the broker's fetch sizes.
 */
@QuarkusTest
class PollIngestTest {

    private static final AtomicLong OFFSETS = new AtomicLong(1_000_000);

    @Inject
    MembershipChangeConsumer worker;

    private static ConsumerRecord<String, String> record(int partition, MembershipChange change) {
        return record(partition, change.contactKey().asKafkaKey(), EventJson.write(change));
    }

    private static ConsumerRecord<String, String> record(int partition, String key, String value) {
        return new ConsumerRecord<>(Topics.MEMBERSHIP_CHANGES, partition, OFFSETS.incrementAndGet(), key, value);
    }

    private void applyPoll(List<ConsumerRecord<String, String>> poll) {
        Reactive.await(() -> worker.apply(poll));
    }

    @Test
    void twoVersionsOfAContactInOnePollLeaveTheLatestWhateverTheirOrder() {
        String account = Kafka.unique("poll-versions");
        MembershipChange x1 = added(account, "x@example.com", 1, "A");
        MembershipChange x2 = moved(account, "x@example.com", 2, List.of("A"), "B");
        MembershipChange y1 = added(account, "y@example.com", 1, "A");
        MembershipChange y2 = moved(account, "y@example.com", 2, List.of("A"), "B");

        applyPoll(List.of(record(2, x2), record(2, y1), record(2, x1), record(2, y2)));

        for (String email : List.of("x@example.com", "y@example.com")) {
            Map<String, Object> row = Db.ledger(account, email);
            assertThat(row.get("desired_version")).as(email).isEqualTo(2L);
            assertThat(row.get("desired_segments")).as(email).isEqualTo("[\"B\"]");
            assertThat(row.get("pending")).as(email).isEqualTo(true);
            assertThat(row.get("source_partition")).as(email).isEqualTo(2);
        }
        assertThat(Db.ledger(account, "x@example.com").get("last_event_id")).isEqualTo(x2.eventId());
        assertThat(Db.ledger(account, "y@example.com").get("last_event_id")).isEqualTo(y2.eventId());
        List<Map<String, Object>> schedule = Db.schedule(account);
        assertThat(schedule).singleElement().satisfies(s -> {
            assertThat(s.get("source_partition")).isEqualTo(2);
            assertThat(s.get("regular_due_at")).isNotNull();
            assertThat(s.get("first_enable_due_at")).isNull();
        });
    }

    @Test
    void theLatestVersionWinsThroughTheBrokerWhereverThePollsSplit() {
        String account = Kafka.unique("poll-broker");
        // Same key, so one partition, v2 ahead of v1: in one poll or two, v1 is stale either way.
        Kafka.produce(moved(account, "z@example.com", 2, List.of("A"), "B"), added(account, "z@example.com", 1, "A"),
                added(account, "w@example.com", 1, "A"));

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 2);
        await().atMost(Duration.ofSeconds(60)).until(() -> Kafka.groupCaughtUp(Kafka.appGroupId()));
        assertThat(Db.desiredVersion(account, "z@example.com")).isEqualTo(2);
        assertThat(Db.ledger(account, "z@example.com").get("desired_segments")).isEqualTo("[\"B\"]");
    }

    @Test
    void aMalformedRecordIsDeadLetteredAndTheRestOfThePollStored() {
        String account = Kafka.unique("poll-poison");
        MembershipChange good1 = added(account, "a@example.com", 1, "VIP");
        MembershipChange good2 = firstEnableAdded(account, "b@example.com", 1, "Whole Bean");
        MembershipChange zero = added(account, "bad@example.com", 1, "VIP");
        String badKey = zero.contactKey().asKafkaKey();
        ConsumerRecord<String, String> poison = record(4, badKey, EventJson.write(zero).replace("\"version\":1", "\"version\":0"));

        applyPoll(List.of(record(4, good1), poison, record(4, good2)));

        assertThat(Db.contacts(account)).isEqualTo(2);
        assertThat(Db.desiredVersion(account, "a@example.com")).isEqualTo(1);
        assertThat(Db.desiredVersion(account, "b@example.com")).isEqualTo(1);
        assertThat(Db.ledger(account, "b@example.com").get("first_enable_pending")).isEqualTo(true);
        assertThat(Db.schedule(account)).singleElement().satisfies(s -> assertThat(s.get("first_enable_due_at")).isNotNull());
        List<DeadLetter> letters = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.deadLettersFor(badKey), l -> !l.isEmpty());
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("version must be positive, was 0");
            assertThat(letter.sourcePartition()).isEqualTo(4);
            assertThat(letter.sourceOffset()).isEqualTo(poison.offset());
            assertThat(letter.payload()).isEqualTo(poison.value());
        });
    }

    @Test
    void aRedeliveredPollHasNoFurtherEffect() {
        String account = Kafka.unique("poll-redelivered");
        List<ConsumerRecord<String, String>> poll = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            poll.add(record(1, i % 4 == 0 ? firstEnableAdded(account, "r" + i + "@example.com", 1, "Whole Bean")
                    : added(account, "r" + i + "@example.com", 1, "VIP")));
        }
        poll.add(record(1, moved(account, "r1@example.com", 2, List.of("VIP"), "Gold")));
        applyPoll(poll);
        List<Map<String, Object>> ledgerBefore = ledger(account);
        List<Map<String, Object>> scheduleBefore = Db.schedule(account);
        assertThat(ledgerBefore).hasSize(20);

        // Its offsets were not committed (say the instance died right after the commit): the same poll again.
        applyPoll(poll);

        assertThat(ledger(account)).as("not a single ledger row written again").isEqualTo(ledgerBefore);
        assertThat(Db.schedule(account)).isEqualTo(scheduleBefore);
    }

    @Test
    void aChangeTheDatabaseRefusesIsDeadLetteredAloneAndTheRestOfItsPollStored() {
        String account = Kafka.unique("poll-unstorable");
        MembershipChange before = added(account, "a@example.com", 1, "VIP");
        // Valid by the contract, but PostgreSQL stores no NUL character in text: the poll's transaction fails for good.
        MembershipChange refused = added(account, "nul@example.com", 1, "V\u0000IP");
        MembershipChange after = moved(account, "a@example.com", 2, List.of("VIP"), "Gold");
        String refusedKey = refused.contactKey().asKafkaKey();

        applyPoll(List.of(record(3, before), record(3, refused), record(3, after)));

        assertThat(Db.contacts(account)).isEqualTo(1);
        assertThat(Db.desiredVersion(account, "a@example.com")).isEqualTo(2);
        assertThat(Db.ledger(account, "a@example.com").get("desired_segments")).isEqualTo("[\"Gold\"]");
        List<DeadLetter> letters = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.deadLettersFor(refusedKey), l -> !l.isEmpty());
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(letter.errorType()).isEqualTo(MembershipChangeConsumer.UNSTORABLE);
            assertThat(letter.sourcePartition()).isEqualTo(3);
            assertThat(letter.reason()).contains("22021");
        });
        assertThat(Kafka.deadLettersOfAccount(account)).isEqualTo(1);
    }

    private static List<Map<String, Object>> ledger(String account) {
        return Db.query("select * from sync_worker.contact_ledger where account_id = ? order by email", account);
    }

}
