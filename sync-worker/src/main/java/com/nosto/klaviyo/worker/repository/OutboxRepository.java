package com.nosto.klaviyo.worker.repository;

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

    /** Unpublished rows nobody else holds, oldest first, locked until the caller's transaction ends. */
    public Uni<List<OutboxBatchEntity>> lockClaimable(Instant now, int limit) {
        return find("publishedAt is null and (claimedUntil is null or claimedUntil < ?1) order by id", now)
                .withLock(LockModeType.PESSIMISTIC_WRITE).page(Page.ofSize(limit)).list();
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
