package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.repository.entity.InboxBatchEntity;
import com.nosto.klaviyo.gateway.repository.entity.SyncRunEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** sync_run rows (the sync history). Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class SyncRunRepository implements PanacheRepositoryBase<SyncRunEntity, SyncRunEntity.Key> {

    /**
     * Native upsert that adds one chunk's counts to the window's row ({@code batches = sync_run.batches + n} …): the
     * window's first chunk creates it, with {@code started_at} when that chunk began, and each chunk moves
     * {@code finished_at} to its commit.
     */
    Uni<Void> add(InboxBatchEntity window, int batches, BatchResult r, Instant started, Instant now) {
        OffsetDateTime windowEnd = window.windowEnd == null ? null : window.windowEnd.atOffset(ZoneOffset.UTC);
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}sync_run (account_id, window_id, window_kind, window_end, started_at, finished_at, batches,
                            added, moved, removed, deleted, skipped, failed, klaviyo_writes)
                        VALUES (:a, :w, cast(:k as varchar), cast(:we as timestamptz), :started, :now, :batches, :added, :moved, :removed,
                            :deleted, :skipped, :failed, :writes)
                        ON CONFLICT (account_id, window_id) DO UPDATE SET finished_at = EXCLUDED.finished_at,
                            batches = sync_run.batches + EXCLUDED.batches, added = sync_run.added + EXCLUDED.added,
                            moved = sync_run.moved + EXCLUDED.moved, removed = sync_run.removed + EXCLUDED.removed,
                            deleted = sync_run.deleted + EXCLUDED.deleted, skipped = sync_run.skipped + EXCLUDED.skipped,
                            failed = sync_run.failed + EXCLUDED.failed,
                            klaviyo_writes = sync_run.klaviyo_writes + EXCLUDED.klaviyo_writes""")
                .setParameter("a", window.accountId).setParameter("w", window.windowId).setParameter("k", window.windowKind)
                .setParameter("we", windowEnd).setParameter("now", now.atOffset(ZoneOffset.UTC))
                .setParameter("started", started.atOffset(ZoneOffset.UTC))
                .setParameter("batches", batches).setParameter("added", r.added).setParameter("moved", r.moved).setParameter("removed", r.removed)
                .setParameter("deleted", r.deleted).setParameter("skipped", r.skipped).setParameter("failed", r.failed)
                .setParameter("writes", r.writes).executeUpdate()).replaceWithVoid();
    }

    /** Adds {@code batches} to the window's batch count if the window has a row; never creates one. */
    Uni<Void> countBatches(String accountId, String windowId, int batches) {
        return update("batches = batches + ?1 where id.accountId = ?2 and id.windowId = ?3", batches, accountId, windowId)
                .replaceWithVoid();
    }

    /** Whether a part of the window was applied before (its row exists). */
    Uni<Boolean> exists(String accountId, String windowId) {
        return count("id.accountId = ?1 and id.windowId = ?2", accountId, windowId).map(n -> n > 0);
    }

    /** Which of the windows have a row: a part of them was applied already. */
    Uni<Set<String>> existing(String accountId, Collection<String> windowIds) {
        if (windowIds.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return find("id.accountId = ?1 and id.windowId in ?2", accountId, windowIds).list()
                .map(rows -> rows.stream().map(r -> r.id.windowId()).collect(Collectors.toSet()));
    }

    /**
     * An entry in the account's history that is not a window's counts (batches that expired, a key that cannot be
     * decrypted): created once, counts added if it exists.
     */
    Uni<Void> notice(String accountId, String windowId, String kind, Instant windowEnd, int batches, int skipped, Instant now) {
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}sync_run (account_id, window_id, window_kind, window_end, started_at, finished_at, batches,
                            skipped)
                        VALUES (:a, :w, :k, cast(:we as timestamptz), :now, :now, :b, :s)
                        ON CONFLICT (account_id, window_id) DO UPDATE SET finished_at = EXCLUDED.finished_at,
                            batches = sync_run.batches + EXCLUDED.batches, skipped = sync_run.skipped + EXCLUDED.skipped""")
                .setParameter("a", accountId).setParameter("w", windowId).setParameter("k", kind)
                .setParameter("we", windowEnd == null ? null : windowEnd.atOffset(ZoneOffset.UTC))
                .setParameter("b", batches).setParameter("s", skipped).setParameter("now", now.atOffset(ZoneOffset.UTC))
                .executeUpdate()).replaceWithVoid();
    }

    /** Newest first. */
    Uni<List<SyncRunEntity>> newest(String accountId, int limit) {
        return find("id.accountId = ?1", Sort.descending("finishedAt"), accountId).page(Page.ofSize(limit)).list();
    }
}
