package com.nosto.klaviyo.gateway.repository;

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

    /** One row outcome and the batch that carried the contact. */
    public record RowInsert(String batchId, String email, String outcome, String detail) {
    }

    /**
     * One native {@code unnest} insert for a window's rows (at most 1,000 per batch): the id is an IDENTITY column, with which
     * Hibernate cannot batch inserts, so persisting entities would cost one round trip per row.
     */
    Uni<Void> insert(String accountId, String windowId, List<RowInsert> rows, Instant now) {
        String[] batchIds = rows.stream().map(RowInsert::batchId).toArray(String[]::new);
        String[] emails = rows.stream().map(RowInsert::email).toArray(String[]::new);
        String[] outcomes = rows.stream().map(RowInsert::outcome).toArray(String[]::new);
        String[] details = rows.stream().map(RowInsert::detail).toArray(String[]::new);
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}sync_row_error (account_id, window_id, batch_id, email, outcome, detail, at)
                        SELECT :a, :w, t.batch_id, t.email, t.outcome, t.detail, :now
                        FROM unnest(cast(:b as text[]), cast(:e as text[]), cast(:o as text[]), cast(:d as text[]))
                            WITH ORDINALITY AS t(batch_id, email, outcome, detail, n)
                        ORDER BY t.n""")
                .setParameter("a", accountId).setParameter("w", windowId).setParameter("b", batchIds)
                .setParameter("e", emails).setParameter("o", outcomes).setParameter("d", details)
                .setParameter("now", now.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /** Row outcomes of the given windows, in insertion order, at most {@code max}. */
    Uni<List<SyncRowErrorEntity>> ofWindows(String accountId, Collection<String> windowIds, int max) {
        return find("accountId = ?1 and windowId in ?2", Sort.by("id"), accountId, windowIds).range(0, max - 1).list();
    }
}
