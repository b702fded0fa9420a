package com.nosto.klaviyo.worker.messaging;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** G11: a record that can never be applied goes to the DLQ with its reason; the consumer goes on. */
@QuarkusTest
class DeadLetterTest {

    private static DeadLetter awaitDeadLetter(String key) {
        List<DeadLetter> letters = await().atMost(Duration.ofSeconds(60))
                .until(() -> Kafka.deadLettersFor(key), l -> !l.isEmpty());
        return letters.get(0);
    }

    @Test
    void notJsonIsDeadLetteredWithReasonAndOrigin() {
        String key = Kafka.unique("dlq") + "|bad@example.com";
        Kafka.produceRaw(key, "{this is not json");

        DeadLetter letter = awaitDeadLetter(key);

        assertThat(letter.schemaVersion()).isEqualTo(DeadLetter.SCHEMA_VERSION);
        assertThat(letter.service()).isEqualTo("sync-worker");
        assertThat(letter.sourceTopic()).isEqualTo(Topics.MEMBERSHIP_CHANGES);
        assertThat(letter.sourcePartition()).isBetween(0, 5);
        assertThat(letter.sourceOffset()).isNotNull().isGreaterThanOrEqualTo(0L);
        assertThat(letter.payload()).isEqualTo("{this is not json");
        assertThat(letter.reason()).startsWith("not a MembershipChange JSON object");
        assertThat(letter.errorType()).isEqualTo("MALFORMED_JSON");
        assertThat(letter.failedAt()).isNotNull();
    }

    @Test
    void invalidChangeIsDeadLetteredWithTheFieldAtFault() {
        String account = Kafka.unique("dlq");
        MembershipChange change = added(account, "zero@example.com", 1, "VIP");
        String key = change.contactKey().asKafkaKey();
        Kafka.produceRaw(key, EventJson.write(change).replace("\"version\":1", "\"version\":0"));

        DeadLetter letter = awaitDeadLetter(key);
        assertThat(letter.reason()).isEqualTo("version must be positive, was 0");
        assertThat(letter.errorType()).isEqualTo("INVALID_CHANGE");
        assertThat(Db.contacts(account)).isZero();
    }

    @Test
    void validRecordsAfterAPoisonRecordAreStillApplied() {
        String account = Kafka.unique("dlq-goes-on");
        MembershipChange good = added(account, "good@example.com", 1, "VIP");
        String key = good.contactKey().asKafkaKey();
        // Same key, so same partition: the good record sits right behind the poison one.
        Kafka.produceRaw(key, "[1,2,3]");
        Kafka.produce(good);

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.desiredVersion(account, "good@example.com") == 1);
        assertThat(awaitDeadLetter(key).payload()).isEqualTo("[1,2,3]");
    }
}
