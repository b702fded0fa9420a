package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.gateway.service.RetentionPurge;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 6 (G15): row outcomes (they hold emails) go after 30 days, sync history entries after 90, applied batch
 * ids after 14 unless the rest of their window still waits in the inbox, ledger rows of contacts not in the list 30 days
 * after their last change; younger rows and contacts in the list stay. Rows are written old straight
 * into the database; the purge deletes two per statement in tests, so several batches run.
 */
@QuarkusTest
class RetentionPurgeTest extends GatewayTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    RetentionPurge purge;

    private void syncRun(String windowId, int daysAgo) {
        execute("INSERT INTO klaviyo_gateway.sync_run (account_id, window_id, started_at, finished_at)"
                + " VALUES (?, ?, now() - make_interval(days => ?), now() - make_interval(days => ?))", accountId, windowId, daysAgo, daysAgo);
    }

    private void rowError(String windowId, String email, int daysAgo) {
        execute("INSERT INTO klaviyo_gateway.sync_row_error (account_id, window_id, batch_id, email, outcome, detail, at)"
                + " VALUES (?, ?, 'b', ?, 'FAILED', 'rejected', now() - make_interval(days => ?))", accountId, windowId, email, daysAgo);
    }

    private void applied(String batchId, String windowId, int daysAgo) {
        execute("INSERT INTO klaviyo_gateway.applied_batch (batch_id, account_id, window_id, applied_at)"
                + " VALUES (?, ?, ?, now() - make_interval(days => ?))", batchId, accountId, windowId, daysAgo);
    }

    private void ledger(String email, boolean inList, int daysAgo) {
        execute("INSERT INTO klaviyo_gateway.contact_ledger (account_id, email, applied_version, profile_id, in_list, updated_at)"
                + " VALUES (?, ?, 1, 'p', ?, now() - make_interval(days => ?))", accountId, email, inList, daysAgo);
    }

    private List<String> column(String sql) {
        return query(sql, accountId);
    }

    @Test
    void rowsPastTheirRetentionGoAndYoungerOnesStay() {
        for (int i = 0; i < 5; i++) {
            syncRun("old-" + i, 91);
            rowError("old-" + i, email("old" + i), 31);
            applied(accountId + "-old-" + i, "old-" + i, 15);
            ledger(email("removed" + i), false, 31);
        }
        ledger(email("member"), true, 200);
        ledger(email("left-recently"), false, 29);
        syncRun("recent", 89);
        rowError("recent", email("recent"), 29);
        applied(accountId + "-recent", "recent", 13);
        // A window applied in part long ago whose rest still waits (its account lost its connection): its ids stay.
        applied(accountId + "-waiting-0", "waiting", 20);
        execute("INSERT INTO klaviyo_gateway.inbox_batch (batch_id, account_id, window_id, sequence, ends_partition, contacts,"
                + " payload, received_at) VALUES (?, ?, 'waiting', 1, false, 0, '{}', now())", accountId + "-waiting-1", accountId);

        try {
            purge.purge().await().atMost(WAIT);

            assertThat(column("SELECT window_id FROM klaviyo_gateway.sync_run WHERE account_id = ?")).containsExactly("recent");
            assertThat(column("SELECT email FROM klaviyo_gateway.sync_row_error WHERE account_id = ?")).containsExactly(email("recent"));
            assertThat(column("SELECT batch_id FROM klaviyo_gateway.applied_batch WHERE account_id = ?"))
                    .containsExactlyInAnyOrder(accountId + "-recent", accountId + "-waiting-0");
            assertThat(column("SELECT email FROM klaviyo_gateway.contact_ledger WHERE account_id = ?"))
                    .containsExactlyInAnyOrder(email("member"), email("left-recently"));

            assertThat(purge.purge().await().atMost(WAIT)).as("a second run finds nothing").containsExactly(0, 0, 0, 0);
        } finally {
            execute("DELETE FROM klaviyo_gateway.inbox_batch WHERE account_id = ?", accountId);
        }
    }

    @Test
    void twoReplicasPurgingAtOnceDeleteEveryOldRowWithoutFailing() {
        for (int i = 0; i < 9; i++) {
            rowError("old-" + i, email("old" + i), 40);
        }

        var both = io.smallrye.mutiny.Uni.combine().all().unis(purge.purge(), purge.purge()).asTuple().await().atMost(WAIT);

        assertThat(both.getItem1()[1] + both.getItem2()[1]).isGreaterThanOrEqualTo(9);
        assertThat(column("SELECT email FROM klaviyo_gateway.sync_row_error WHERE account_id = ?")).isEmpty();
    }
}
