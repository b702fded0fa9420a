package com.nosto.klaviyo.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.worker.messaging.OutboxRelay;
import com.nosto.klaviyo.worker.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 6 (G15): contacts deleted in Nosto leave the ledger 30 days after their deletion was released, while
 * younger ones, undeleted ones and deletions still to release stay; published outbox rows (their payloads hold emails)
 * go after 7 days. Both purges delete two rows per statement in tests, so several statements run.
 */
@QuarkusTest
class RetentionPurgeTest {

    @Inject
    RetentionPurge purge;
    @Inject
    OutboxRelay relay;
    @Inject
    Clock clock;

    private final String account = "ret-" + UUID.randomUUID().toString().substring(0, 8);

    private OffsetDateTime daysAgo(int days) {
        return clock.instant().minus(Duration.ofDays(days)).atOffset(ZoneOffset.UTC);
    }

    private void ledger(String email, boolean deleted, boolean pending, int daysAgo) {
        Db.update("insert into sync_worker.contact_ledger (account_id, email, source_partition, desired_in_list, desired_segments,"
                + " desired_version, desired_deleted, pending, pending_since, first_enable_pending, updated_at)"
                + " values (?, ?, 0, false, '[]', 1, ?, ?, ?, false, ?)", account, email, deleted, pending,
                pending ? daysAgo(daysAgo) : null, daysAgo(daysAgo));
    }

    private void outbox(String window, int publishedDaysAgo, int createdDaysAgo) {
        Db.update("insert into sync_worker.outbox_batch (batch_id, account_id, window_id, window_kind, source_partition, sequence,"
                + " contact_count, payload, created_at, published_at) values (?, ?, ?, 'REGULAR', 0, 0, 1, '{}', ?, ?)",
                account + "/" + window, account, account + "/" + window, daysAgo(createdDaysAgo),
                daysAgo(publishedDaysAgo));
    }

    private List<Object> column(String sql) {
        return Db.query(sql, account).stream().map(r -> r.values().iterator().next()).toList();
    }

    @Test
    void deletedContactsPastTheRetentionLeaveTheLedgerAndEveryOtherContactStays() {
        for (int i = 0; i < 5; i++) {
            ledger("gone" + i + "@example.com", true, false, 31);
        }
        ledger("recent@example.com", true, false, 29);
        ledger("member@example.com", false, false, 40);
        ledger("to-release@example.com", true, true, 40);

        try {
            purge.purgeDeletedContacts();

            assertThat(column("select email from sync_worker.contact_ledger where account_id = ?"))
                    .containsExactlyInAnyOrder("recent@example.com", "member@example.com", "to-release@example.com");
        } finally {
            Db.update("delete from sync_worker.contact_ledger where account_id = ?", account);
        }
    }

    @Test
    void publishedOutboxRowsPastTheRetentionGoAndUnpublishedOnesStay() {
        for (int i = 0; i < 5; i++) {
            outbox("old-" + i, 8, 8);
        }
        outbox("recent", 6, 6);

        relay.purgePublished();

        assertThat(column("select window_id from sync_worker.outbox_batch where account_id = ?"))
                .containsExactly(account + "/recent");
    }
}
