package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.repository.entity.SyncRowErrorEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;

/** sync_row_error rows. Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class SyncRowErrorRepository implements PanacheRepositoryBase<SyncRowErrorEntity, Long> {

    /**
     * One native {@code unnest} insert for up to 1,000 rows: the id is an IDENTITY column, with which
     * Hibernate cannot batch inserts, so persisting entities would cost one round trip per row.
     */
    Uni<Void> insert(SyncBatch batch, List<BatchResult.Row> rows, Instant now) {
        String[] emails = rows.stream().map(BatchResult.Row::email).toArray(String[]::new);
        String[] outcomes = rows.stream().map(BatchResult.Row::outcome).toArray(String[]::new);
        String[] details = rows.stream().map(BatchResult.Row::detail).toArray(String[]::new);
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}sync_row_error (account_id, window_id, batch_id, email, outcome, detail, at)
                        SELECT :a, :w, :b, t.email, t.outcome, t.detail, :now
                        FROM unnest(cast(:e as text[]), cast(:o as text[]), cast(:d as text[])) WITH ORDINALITY AS t(email, outcome, detail, n)
                        ORDER BY t.n""")
                .setParameter("a", batch.accountId()).setParameter("w", batch.windowId()).setParameter("b", batch.batchId())
                .setParameter("e", emails).setParameter("o", outcomes).setParameter("d", details)
                .setParameter("now", now.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /** Row outcomes of the given windows, in insertion order, at most {@code max}. */
    Uni<List<SyncRowErrorEntity>> ofWindows(String accountId, Collection<String> windowIds, int max) {
        return find("accountId = ?1 and windowId in ?2", Sort.by("id"), accountId, windowIds).range(0, max - 1).list();
    }
}
