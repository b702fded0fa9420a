package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.repository.entity.SyncRunEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** sync_run rows. Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class SyncRunRepository implements PanacheRepositoryBase<SyncRunEntity, SyncRunEntity.Key> {

    /**
     * Native upsert that adds the counts of {@code batches} applied batches to the window's row in the database
     * ({@code batches = sync_run.batches + 1} …): two instances finishing batches of one window at once
     * both count, which a read-modify-write of the entity would not guarantee.
     */
    Uni<Void> add(SyncBatch batch, int batches, BatchResult r, Instant now) {
        OffsetDateTime windowEnd = batch.windowEnd() == null ? null : batch.windowEnd().atOffset(ZoneOffset.UTC);
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}sync_run (account_id, window_id, window_kind, window_end, started_at, finished_at, batches,
                            added, moved, removed, deleted, skipped, failed, klaviyo_writes)
                        VALUES (:a, :w, cast(:k as varchar), cast(:we as timestamptz), :now, :now, :batches, :added, :moved, :removed,
                            :deleted, :skipped, :failed, :writes)
                        ON CONFLICT (account_id, window_id) DO UPDATE SET finished_at = EXCLUDED.finished_at,
                            batches = sync_run.batches + EXCLUDED.batches, added = sync_run.added + EXCLUDED.added,
                            moved = sync_run.moved + EXCLUDED.moved, removed = sync_run.removed + EXCLUDED.removed,
                            deleted = sync_run.deleted + EXCLUDED.deleted, skipped = sync_run.skipped + EXCLUDED.skipped,
                            failed = sync_run.failed + EXCLUDED.failed,
                            klaviyo_writes = sync_run.klaviyo_writes + EXCLUDED.klaviyo_writes""")
                .setParameter("a", batch.accountId()).setParameter("w", batch.windowId())
                .setParameter("k", batch.windowKind() == null ? null : batch.windowKind().name())
                .setParameter("we", windowEnd).setParameter("now", now.atOffset(ZoneOffset.UTC))
                .setParameter("batches", batches).setParameter("added", r.added).setParameter("moved", r.moved).setParameter("removed", r.removed)
                .setParameter("deleted", r.deleted).setParameter("skipped", r.skipped).setParameter("failed", r.failed)
                .setParameter("writes", r.writes).executeUpdate()).replaceWithVoid();
    }

    /** Adds {@code batches} to the window's batch count if the window has a row; never creates one. */
    Uni<Void> countBatches(SyncBatch batch, int batches) {
        return update("batches = batches + ?1 where id.accountId = ?2 and id.windowId = ?3", batches, batch.accountId(),
                batch.windowId()).replaceWithVoid();
    }

    /** Newest first. */
    Uni<List<SyncRunEntity>> newest(String accountId, int limit) {
        return find("id.accountId = ?1", Sort.descending("finishedAt"), accountId).page(Page.ofSize(limit)).list();
    }
}
