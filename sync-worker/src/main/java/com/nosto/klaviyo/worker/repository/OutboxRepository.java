package com.nosto.klaviyo.worker.repository;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.worker.repository.entity.OutboxBatchEntity;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxBatchEntity, Long> {

    /** Writes a released SyncBatch to the outbox, in the transaction that released its contacts. */
    public Uni<Void> append(SyncBatch batch) {
        return append(batch, null);
    }

    /** As above, with the trace context the batch is published in (the release's span; null when tracing is off). */
    public Uni<Void> append(SyncBatch batch, String trace) {
        OutboxBatchEntity row = new OutboxBatchEntity();
        row.batchId = batch.batchId();
        row.accountId = batch.accountId();
        row.windowId = batch.windowId();
        row.windowKind = batch.windowKind();
        row.sourcePartition = batch.sourcePartition();
        row.sequence = batch.sequence();
        row.contactCount = batch.contacts().size();
        row.payload = EventJson.write(batch);
        row.createdAt = batch.createdAt();
        row.trace = trace;
        return persist(row).replaceWithVoid();
    }

    /** Next chunk number of a window on a partition; continues after a crash mid-release. */
    public Uni<Integer> nextSequence(String windowId, int partition) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                        "select max(o.sequence) from OutboxBatchEntity o where o.windowId = ?1 and o.sourcePartition = ?2",
                        Integer.class)
                .setParameter(1, windowId).setParameter(2, partition).getSingleResultOrNull())
                .map(max -> max == null ? 0 : max + 1);
    }

    /**
     * Whether the partition's part of the window still owes an end marker: nothing of it is in the outbox yet (a due
     * window that found no contact still ends with a marker), or its last row is a batch of contacts. False once
     * the marker was written, so a second instance finishing the same window writes none.
     */
    public Uni<Boolean> needsMarker(String windowId, int partition) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                        "select o.contactCount from OutboxBatchEntity o where o.windowId = ?1 and o.sourcePartition = ?2"
                                + " order by o.sequence desc", Integer.class)
                .setParameter(1, windowId).setParameter(2, partition).setMaxResults(1).getSingleResultOrNull())
                .map(lastCount -> lastCount == null || lastCount > 0);
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

    /** Released SyncBatches of the account not yet published. */
    public Uni<Long> countUnpublished(String accountId) {
        return count("accountId = ?1 and publishedAt is null", accountId);
    }

    /**
     * Deletes at most {@code limit} rows published before {@code cutoff} (their payloads hold emails); rows another
     * replica is deleting are skipped. Returns how many went.
     */
    public Uni<Integer> purgePublishedBefore(Instant cutoff, int limit) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        DELETE FROM sync_worker.outbox_batch WHERE id IN (SELECT id FROM sync_worker.outbox_batch
                            WHERE published_at < :cutoff LIMIT :n FOR UPDATE SKIP LOCKED)""")
                .setParameter("cutoff", LedgerRepository.timestamp(cutoff)).setParameter("n", limit).executeUpdate());
    }

    // --- The relay's round, on the transaction's connection. ---

    /** An outbox row as the relay sends it. */
    public record Unpublished(long id, String accountId, String payload, String trace) {
    }

    /** The oldest unpublished rows, in the order they were written. */
    public Uni<List<Unpublished>> unpublished(SqlConnection conn, int limit) {
        return conn.preparedQuery("SELECT id, account_id, payload, trace FROM sync_worker.outbox_batch WHERE published_at IS NULL"
                        + " ORDER BY id LIMIT $1")
                .execute(Tuple.of(limit)).map(rows -> {
                    List<Unpublished> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Unpublished(r.getLong("id"), r.getString("account_id"), r.getString("payload"), r.getString("trace")));
                    }
                    return out;
                });
    }

    public Uni<Void> markPublished(SqlConnection conn, List<Long> ids, Instant now) {
        return conn.preparedQuery("UPDATE sync_worker.outbox_batch SET published_at = $2 WHERE id = ANY($1::int8[])")
                .execute(Tuple.of(ids.toArray(Long[]::new), LedgerRepository.timestamp(now))).replaceWithVoid();
    }
}
