package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.gateway.service.InboxPurge;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 point 5: batches of an account without a working connection are kept for
 * {@code gateway.inbox.unconnected-retention} (30 days), then purged with an entry in its sync history; a connected
 * account's batches and younger ones stay. The batches are made old in the database (the purge compares their arrival
 * with the database's time).
 */
@QuarkusTest
class InboxPurgeTest extends GatewayTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    InboxPurge purge;

    private void age(String account, String windowId) {
        execute("UPDATE klaviyo_gateway.inbox_batch SET received_at = now() - interval '31 days' WHERE account_id = ? AND window_id = ?",
                account, windowId);
    }

    @Test
    void batchesOfAnAccountThatNeverConnectsExpireWithAnEntryInItsHistory() {
        publishWindow("w1", List.of(added(email("a"), 1, "A"), added(email("b"), 1, "A")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isEqualTo(2));
        age(accountId, "w1");
        publishWindow("w2", List.of(added(email("c"), 1, "A")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isEqualTo(4));

        assertThat(purge.purge().await().atMost(WAIT)).isGreaterThanOrEqualTo(2);

        var status = connection();
        assertThat(status.getInt("parkedBatches")).as("the younger window stays").isEqualTo(2);
        assertThat(status.getInt("waitingContacts")).isEqualTo(1);
        var runs = syncRuns();
        assertThat(runs.getList("windowKind", String.class)).containsExactly("EXPIRED");
        assertThat(runs.getInt("[0].batches")).isEqualTo(2);
        assertThat(runs.getInt("[0].skipped")).as("contacts that expired").isEqualTo(2);
        assertThat(runs.getList("[0].errors.outcome", String.class)).containsExactly("EXPIRED");
        assertThat(runs.getString("[0].errors[0].detail")).contains("2 batch(es) with 2 contact(s)").contains("resync");
    }

    @Test
    void aConnectedAccountsWaitingBatchesNeverExpire() {
        connect();
        // A window still waiting for the marker of its second partition.
        publish(batch(accountId, "w1", 0, 0, List.of(added(email("a"), 1, "A"))));
        publish(marker(accountId, "w1", 0, 1, 2));
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isEqualTo(2));
        age(accountId, "w1");

        purge.purge().await().atMost(WAIT);

        assertThat(connection().getInt("parkedBatches")).isEqualTo(2);
        assertThat(syncRuns().getList("windowKind", String.class)).doesNotContain("EXPIRED");
    }
}
