package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** G10, G11, G1 and the 401/403 rule against injected Klaviyo failures. */
@QuarkusTest
class KlaviyoFailureTest extends GatewayTestBase {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private void awaitBatches(int n) {
        awaitWindows(n);
    }

    private List<Call> calls(String operationId) {
        return emulator().calls().forKey(apiKey).stream().filter(c -> operationId.equals(c.operationId())).toList();
    }

    @Test
    void a429StormIsWaitedOutWithRetryAfterAndTheBatchStillApplies() {
        connect();
        // The storm's first two calls are always refused, so the test never passes without meeting a 429
        // (with only the random half, a batch of a few calls sometimes met none); half of the rest are too.
        emulator().faults().failNext("*", 429, 2).failRate("*", 429, 0.5);
        List<ContactState> contacts = List.of(added(email("a"), 1, "A"), added(email("b"), 1, "A"), added(email("c"), 1, "A"));

        publishWindow("w1", contacts);

        awaitBatches(1);
        emulator().faults().clear();
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"));
        assertThat(emulator().calls().forKey(apiKey).stream().filter(c -> c.status() == 429)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(total("failed")).isZero();
        // The storm's first refusal said "Retry-After: 1": its operation was not called again within that second
        // (the retry backoff alone is 20-200 ms in tests). The first call of a batch is a single one (the list check).
        List<Call> log = emulator().calls().forKey(apiKey);
        Call first429 = log.stream().filter(c -> c.status() == 429).findFirst().orElseThrow();
        Call retried = log.stream().filter(c -> c.operationId().equals(first429.operationId()) && c.at().isAfter(first429.at()))
                .findFirst().orElseThrow();
        assertThat(Duration.between(first429.at(), retried.at())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void a5xxBurstIsRetriedWithBackoffAndTheBatchApplies() {
        connect();
        emulator().faults().failNext("create_or_update_profile", 503, 2).failNext("add_profiles_to_list", 500, 2);

        publishWindow("w1", List.of(added(email("a"), 1, "A")));

        awaitBatches(1);
        assertThat(members()).containsExactly(email("a"));
        assertThat(calls("create_or_update_profile")).extracting(Call::status).containsExactly(503, 503, 201);
    }

    @Test
    void klaviyoDownPastTheRetriesParksTheBatchVisiblyAndItIsAppliedLater() {
        connect();
        emulator().faults().failRate("create_or_update_profile", 503, 1.0);

        publishWindow("w1", List.of(added(email("a"), 1, "A")));

        await().atMost(WAIT).untilAsserted(() -> {
            var status = connection();
            assertThat(status.getInt("parkedBatches")).as("the window's batch and end marker wait").isEqualTo(2);
            assertThat(status.getString("waitingReason")).startsWith("KLAVIYO_UNAVAILABLE");
        });
        assertThat(appliedBatches()).isZero();
        emulator().faults().clear();
        // The account's backoff (1-2 s in tests) ends and its window is applied once Klaviyo answers again.
        awaitBatches(1);
        assertThat(members()).containsExactly(email("a"));
        assertThat(connection().getInt("parkedBatches")).isZero();
    }

    @Test
    void aBulkRequestRejectedForOneInvalidProfileRecordsThatRowAndResubmitsTheRestOnce() {
        connect();
        String bad = email("bad");
        emulator().faults().rejectEmail(bad);
        List<ContactState> contacts = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            contacts.add(added(email("c" + i), 1, "A"));
        }
        contacts.add(added(bad, 1, "A"));

        publishWindow("w1", contacts);

        awaitBatches(1);
        assertThat(members()).hasSize(120).doesNotContain(bad);
        assertThat(calls("bulk_import_profiles")).extracting(Call::status).containsExactly(400, 202);
        assertThat(total("failed")).isEqualTo(1);
        assertThat(total("added")).isEqualTo(120);
        assertThat(syncRuns().getList("[0].errors.email", String.class)).containsExactly(bad);
    }

    @Test
    void aRowThatFailsInsideABulkJobIsReadFromImportErrorsAndRecorded() {
        connect();
        String failing = email("failing");
        emulator().faults().failInBulkJob(failing);
        List<ContactState> contacts = new ArrayList<>();
        for (int i = 0; i < 110; i++) {
            contacts.add(added(email("c" + i), 1, "A"));
        }
        contacts.add(added(failing, 1, "A"));

        publishWindow("w1", contacts);

        awaitBatches(1);
        assertThat(members()).hasSize(110).doesNotContain(failing);
        assertThat(calls("get_errors_for_bulk_import_profiles_job")).isNotEmpty();
        assertThat(syncRuns().getList("[0].errors.email", String.class)).containsExactly(failing);
        assertThat(total("failed")).isEqualTo(1);
    }

    @Test
    void aRevokedKeyDisconnectsTheAccountParksTheBatchAndDoesNotLoop() {
        connect();
        emulator().revokeKey(apiKey);

        publishWindow("w1", List.of(added(email("a"), 1, "A")));

        await().atMost(WAIT).untilAsserted(() -> {
            var status = connection();
            assertThat(status.getString("status")).isEqualTo("DISCONNECTED");
            assertThat(status.getString("statusReason")).contains("401");
            assertThat(status.getInt("parkedBatches")).isEqualTo(2);
            assertThat(status.getString("waitingReason")).startsWith("KEY_REJECTED");
        });
        long callsAfterDisconnect = emulator().calls().forKey(apiKey).size();
        publishWindow("w2", List.of(added(email("b"), 1, "A")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isEqualTo(4));
        assertThat(emulator().calls().forKey(apiKey)).hasSize((int) callsAfterDisconnect);
    }

    @Test
    void aListDeletedInKlaviyoIsRecreatedOnceAndTheSyncGoesOn() {
        String original = connect();
        klaviyo().deleteList(original);

        publishWindow("w1", List.of(added(email("a"), 1, "A")));

        awaitBatches(1);
        assertThat(klaviyo().lists()).singleElement().satisfies(l -> {
            assertThat(l.id()).isNotEqualTo(original);
            assertThat(l.name()).isEqualTo("Nosto Customers");
        });
        assertThat(listId()).isNotEqualTo(original);
        assertThat(members()).containsExactly(email("a"));
    }

    @Test
    void aMalformedRecordGoesToTheDeadLetterTopicWithAReasonAndLaterBatchesStillApply() {
        connect();
        String key = accountId;
        publishRaw(key, "{\"schemaVersion\":1,\"batchId\":");

        publishWindow("w1", List.of(added(email("a"), 1, "A")));

        awaitBatches(1);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(Topics.SYNC_BATCHES_DLQ));
            List<ConsumerRecord<String, String>> mine = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (key.equals(r.key())) {
                        mine.add(r);
                    }
                });
                return !mine.isEmpty();
            });
            assertThat(mine.get(0).value()).contains("\"reason\":\"not a SyncBatch JSON object")
                    .contains("\"service\":\"klaviyo-gateway\"").contains("\"sourceTopic\":\"klaviyo-sync-batches\"");
        }
    }

    @Test
    void aKeyThatCannotBeDecryptedIsShownInTheStatusAndTheHistoryAndItsWindowWaits() {
        connect();
        int callsBefore = emulator().calls().forKey(apiKey).size();
        // The key-encryption key that sealed it is no longer configured (a KEK removed too early).
        execute("UPDATE klaviyo_gateway.klaviyo_connection SET key_id = 'retired-9' WHERE account_id = ?", accountId);

        publishWindow("w1", List.of(added(email("a"), 1, "A")));

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(connection().getString("waitingReason")).startsWith("KEY_UNREADABLE").contains("retired-9");
            assertThat(syncRuns().getList("[0].errors.detail", String.class)).singleElement()
                    .satisfies(d -> assertThat(d).contains("cannot be decrypted"));
        });
        assertThat(connection().getString("status")).isEqualTo("CONNECTED");
        assertThat(emulator().calls().forKey(apiKey)).hasSize(callsBefore);
        // The KEK is back: the window is applied at the account's next attempt.
        execute("UPDATE klaviyo_gateway.klaviyo_connection SET key_id = 'test-1' WHERE account_id = ?", accountId);
        // The list is written before the window's completion (which clears the waiting reason) commits: await both.
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(members()).containsExactly(email("a"));
            assertThat(connection().getString("waitingReason")).isNull();
        });
    }
}
