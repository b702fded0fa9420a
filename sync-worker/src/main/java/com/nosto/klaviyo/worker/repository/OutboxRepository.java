package com.nosto.klaviyo.worker.repository;

import com.nosto.klaviyo.events.WindowKind;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;

@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxBatchEntity, Long> {

    /** Next chunk number of a window on a partition; continues after a crash mid-release. */
    public Uni<Integer> nextSequence(String windowId, int partition) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                        "select max(o.sequence) from OutboxBatchEntity o where o.windowId = ?1 and o.sourcePartition = ?2",
                        Integer.class)
                .setParameter(1, windowId).setParameter(2, partition).getSingleResultOrNull())
                .map(max -> max == null ? 0 : max + 1);
    }

    /**
     * Unpublished rows nobody else holds, oldest first, locked until the caller's transaction ends. An end
     * marker (the only row without contacts) waits until every earlier row of its window and partition is
     * published: claims in id order alone would let a marker overtake its batches when a batch's send failed
     * (its lease still running while later rows are claimed) or another instance relays those batches, and
     * the gateway takes a window as whole once it holds the markers.
     */
    public Uni<List<OutboxBatchEntity>> lockClaimable(Instant now, int limit) {
        return find("from OutboxBatchEntity o where o.publishedAt is null and (o.claimedUntil is null or o.claimedUntil < ?1)"
                + " and (o.contactCount > 0 or not exists (select 1 from OutboxBatchEntity e where e.windowId = o.windowId"
                + " and e.sourcePartition = o.sourcePartition and e.publishedAt is null and e.id < o.id))"
                + " order by o.id", now)
                .withLock(LockModeType.PESSIMISTIC_WRITE).page(Page.ofSize(limit)).list();
    }

    private static final String WINDOW_PARTITIONS = """
            SELECT count(*) FROM (
                SELECT CAST(?1 AS integer) AS source_partition
                UNION SELECT source_partition FROM sync_worker.window_schedule WHERE account_id = ?2 AND %s = ?3
                UNION SELECT source_partition FROM sync_worker.outbox_batch WHERE window_id = ?4
            ) AS releasing""";

    /**
     * How many source partitions release the window: the asking partition, those still due at the window's
     * end for its kind (they release it at their next tick), and those that already released it (its outbox
     * rows). One statement, so one snapshot of both tables; a flush gives every partition it moves the same
     * due time in one statement, so they count as one window too.
     */
    public Uni<Integer> windowPartitions(String accountId, WindowKind kind, Instant end, String windowId, int partition) {
        String dueColumn = kind == WindowKind.FIRST_ENABLE ? "first_enable_due_at" : "regular_due_at";
        return Panache.getSession().chain(s -> s.createNativeQuery(WINDOW_PARTITIONS.formatted(dueColumn), Long.class)
                        .setParameter(1, partition).setParameter(2, accountId).setParameter(3, LedgerRepository.timestamp(end))
                        .setParameter(4, windowId).getSingleResult())
                .map(Long::intValue);
    }

    public Uni<Integer> markPublished(List<Long> ids, Instant now) {
        return update("publishedAt = ?1, claimedUntil = null where id in ?2", now, ids);
    }

    /** Released SyncBatches of the account not yet published. */
    public Uni<Long> countUnpublished(String accountId) {
        return count("accountId = ?1 and publishedAt is null", accountId);
    }

    public Uni<Long> purgePublishedBefore(Instant cutoff) {
        return delete("publishedAt < ?1", cutoff);
    }
}
