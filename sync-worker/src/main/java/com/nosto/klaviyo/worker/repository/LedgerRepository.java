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
public class LedgerRepository implements PanacheRepositoryBase<ContactLedgerEntity, ContactLedgerEntity.Key> {

    /** Row lock: the consumer and a release never interleave on one contact. */
    public Uni<ContactLedgerEntity> findForUpdate(ContactLedgerEntity.Key key) {
        return findById(key, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * One page of contacts a window of {@code kind} ending at {@code end} releases, locked. Released rows
     * stop matching, so the caller asks for the first page again until it is empty (bounded heap).
     * A plain FOR UPDATE (not SKIP LOCKED) waits for a concurrent consumer write and then re-checks it.
     */
    public Uni<List<ContactLedgerEntity>> lockReleasablePage(String accountId, int partition, WindowKind kind, Instant end,
            int size) {
        String query = kind == WindowKind.FIRST_ENABLE
                ? "key.accountId = ?1 and sourcePartition = ?2 and firstEnablePending = true and firstEnableSince <= ?3 order by key.email"
                : "key.accountId = ?1 and sourcePartition = ?2 and pending = true and pendingSince <= ?3 order by key.email";
        return find(query, accountId, partition, end).withLock(LockModeType.PESSIMISTIC_WRITE).page(Page.ofSize(size)).list();
    }

    public Uni<Long> countPending(String accountId, int partition) {
        return count("key.accountId = ?1 and sourcePartition = ?2 and pending = true", accountId, partition);
    }

    public Uni<Instant> earliestFirstEnable(String accountId, int partition) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                        "select min(e.firstEnableSince) from ContactLedgerEntity e where e.key.accountId = ?1"
                                + " and e.sourcePartition = ?2 and e.firstEnablePending = true", Instant.class)
                .setParameter(1, accountId).setParameter(2, partition).getSingleResultOrNull());
    }

    /** Pending contacts that wait for the regular window only. */
    public Uni<Long> countRegularPending(String accountId) {
        return count("key.accountId = ?1 and pending = true and firstEnablePending = false", accountId);
    }

    public Uni<Long> countFirstEnablePending(String accountId) {
        return count("key.accountId = ?1 and firstEnablePending = true", accountId);
    }

    public Uni<Long> countAllRegularPending() {
        return count("pending = true and firstEnablePending = false");
    }

    public Uni<Long> countAllFirstEnablePending() {
        return count("firstEnablePending = true");
    }
}
