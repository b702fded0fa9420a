package com.nosto.klaviyo.gateway.repository;

import static com.nosto.klaviyo.gateway.repository.Columns.instant;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.repository.entity.InboxBatchEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * inbox_batch rows. Public methods are one session each (see {@link Transactions}); package-private ones run in the
 * caller's transaction ({@link SyncStateRepository}).
 */
@ApplicationScoped
public class InboxRepository implements PanacheRepositoryBase<InboxBatchEntity, String> {

    private final Transactions tx;

    public InboxRepository(Transactions tx) {
        this.tx = tx;
    }

    /** Stands for "no value" in the int arrays bound below (a null inside a bound array is avoided). */
    private static final int NONE = -1;

    /**
     * One source partition of one window, as waiting in the inbox, and the database's time of the read; its window's
     * end as the batches state it (null for batches without one).
     */
    public record Part(String windowId, Integer sourcePartition, boolean ended, Integer windowPartitions, long contacts,
            long batches, long firstArrival, Instant oldest, Instant now, Instant windowEnd) {
    }

    /**
     * Stores batches, each with its payload, in one native statement ({@code unnest}): a batch already waiting, or
     * already applied, is not stored again (a redelivery or a producer's re-publish). Returns how many were stored.
     */
    Uni<Integer> insert(List<SyncBatch> batches, List<String> payloads, List<String> traces) {
        int n = batches.size();
        String[] ids = new String[n];
        String[] accounts = new String[n];
        String[] windows = new String[n];
        String[] kinds = new String[n];
        String[] ends = new String[n];
        Integer[] sequences = new Integer[n];
        Integer[] partitions = new Integer[n];
        Boolean[] markers = new Boolean[n];
        Integer[] counts = new Integer[n];
        Integer[] contacts = new Integer[n];
        for (int i = 0; i < n; i++) {
            SyncBatch b = batches.get(i);
            ids[i] = b.batchId();
            accounts[i] = b.accountId();
            windows[i] = b.windowId();
            kinds[i] = b.windowKind() == null ? "" : b.windowKind().name();
            ends[i] = b.windowEnd() == null ? "" : b.windowEnd().toString();
            sequences[i] = b.sequence();
            partitions[i] = b.sourcePartition() == null ? NONE : b.sourcePartition();
            markers[i] = b.endsPartition();
            counts[i] = b.endsPartition() ? b.windowPartitions() : NONE;
            contacts[i] = b.contacts().size();
        }
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}inbox_batch (batch_id, account_id, window_id, window_kind, window_end, sequence,
                            source_partition, ends_partition, window_partitions, contacts, payload, received_at, trace)
                        SELECT t.b, t.a, t.w, NULLIF(t.k, ''), cast(NULLIF(t.we, '') as timestamptz), t.s, NULLIF(t.p, -1), t.m,
                            NULLIF(t.n, -1), t.c, t.j, now(), t.t
                        FROM unnest(cast(:b as text[]), cast(:a as text[]), cast(:w as text[]), cast(:k as text[]),
                                    cast(:we as text[]), cast(:s as int[]), cast(:p as int[]), cast(:m as boolean[]),
                                    cast(:n as int[]), cast(:c as int[]), cast(:j as text[]), cast(:t as text[]))
                            WITH ORDINALITY AS t(b, a, w, k, we, s, p, m, n, c, j, t, o)
                        WHERE NOT EXISTS (SELECT 1 FROM {h-schema}applied_batch x WHERE x.batch_id = t.b)
                        ORDER BY t.o
                        ON CONFLICT (batch_id) DO NOTHING""")
                .setParameter("b", ids).setParameter("a", accounts).setParameter("w", windows).setParameter("k", kinds)
                .setParameter("we", ends).setParameter("s", sequences).setParameter("p", partitions).setParameter("m", markers)
                .setParameter("n", counts).setParameter("c", contacts).setParameter("j", payloads.toArray(new String[0]))
                .setParameter("t", traces == null ? new String[n] : traces.toArray(new String[0]))
                .executeUpdate());
    }

    /** What the inbox holds of an account, per window and source partition (no payloads). */
    public Uni<List<Part>> parts(String accountId) {
        return tx.inSession(() -> getSession().chain(s -> s.createNativeQuery("""
                        SELECT window_id, source_partition, bool_or(ends_partition), max(window_partitions), sum(contacts), count(*),
                            min(arrival), min(received_at), now(), max(window_end)
                        FROM {h-schema}inbox_batch WHERE account_id = :a
                        GROUP BY window_id, source_partition""", Object[].class)
                .setParameter("a", accountId).getResultList())).map(rows -> {
                    List<Part> out = new ArrayList<>(rows.size());
                    for (Object[] r : rows) {
                        out.add(new Part((String) r[0], (Integer) r[1], (Boolean) r[2], (Integer) r[3], ((Number) r[4]).longValue(),
                                ((Number) r[5]).longValue(), ((Number) r[6]).longValue(), instant(r[7]), instant(r[8]), instant(r[9])));
                    }
                    return out;
                });
    }

    /** The next batches of a window after {@code afterArrival}, in arrival order. */
    public Uni<List<InboxBatchEntity>> page(String accountId, String windowId, long afterArrival, int size) {
        return tx.inSession(() -> find("accountId = ?1 and windowId = ?2 and arrival > ?3", Sort.by("arrival"), accountId, windowId, afterArrival)
                .page(Page.ofSize(size)).list());
    }

    public Uni<Boolean> anyAfter(String accountId, String windowId, long afterArrival) {
        return tx.inSession(() -> count("accountId = ?1 and windowId = ?2 and arrival > ?3", accountId, windowId, afterArrival))
                .map(n -> n > 0);
    }

    /** Batches and contacts waiting for an account (one indexed aggregate, no payload read). */
    public Uni<long[]> waiting(String accountId) {
        return tx.inSession(() -> getSession().chain(s -> s.createNativeQuery("""
                        SELECT count(*), coalesce(sum(contacts), 0) FROM {h-schema}inbox_batch WHERE account_id = :a""", Object[].class)
                .setParameter("a", accountId).getSingleResult()))
                .map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue()});
    }

    Uni<Void> remove(Collection<String> batchIds) {
        if (batchIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return delete("batchId in ?1", List.copyOf(batchIds)).replaceWithVoid();
    }

    /** A batch applied in part keeps only its contacts still to apply. */
    Uni<Void> rewrite(String batchId, String payload, int contacts) {
        return update("payload = ?2, contacts = ?3 where batchId = ?1", batchId, payload, contacts).replaceWithVoid();
    }

    /** Accounts without a working connection that have batches older than {@code cutoff} (at most {@code max}). */
    public Uni<List<String>> accountsWithExpired(Instant cutoff, int max) {
        return tx.inSession(() -> getSession().chain(s -> s.createNativeQuery("""
                        SELECT DISTINCT i.account_id FROM {h-schema}inbox_batch i
                        WHERE i.received_at < :cutoff AND NOT EXISTS (SELECT 1 FROM {h-schema}klaviyo_connection c
                            WHERE c.account_id = i.account_id AND c.status = 'CONNECTED')
                        LIMIT :max""", String.class)
                .setParameter("cutoff", cutoff.atOffset(ZoneOffset.UTC)).setParameter("max", max).getResultList()));
    }

    /** Deletes one account's batches older than {@code cutoff} unless it is connected; returns {batches, contacts}. */
    Uni<long[]> purge(String accountId, Instant cutoff) {
        return getSession().chain(s -> s.createNativeQuery("""
                        WITH gone AS (DELETE FROM {h-schema}inbox_batch i
                            WHERE i.account_id = :a AND i.received_at < :cutoff AND NOT EXISTS (SELECT 1 FROM
                                {h-schema}klaviyo_connection c WHERE c.account_id = i.account_id AND c.status = 'CONNECTED')
                            RETURNING i.contacts)
                        SELECT count(*), coalesce(sum(contacts), 0) FROM gone""", Object[].class)
                .setParameter("a", accountId).setParameter("cutoff", cutoff.atOffset(ZoneOffset.UTC)).getSingleResult())
                .map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue()});
    }
}
