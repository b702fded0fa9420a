package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.repository.entity.AppliedBatchEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** applied_batch rows. Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class AppliedBatchRepository implements PanacheRepositoryBase<AppliedBatchEntity, String> {

    /** Stands for "no value" in the int arrays bound below (a null inside a bound array is avoided). */
    private static final int NONE = -1;

    Uni<Set<String>> existing(Collection<String> batchIds) {
        return getSession().chain(s -> s.createSelectionQuery(
                        "select b.batchId from AppliedBatchEntity b where b.batchId in :ids", String.class)
                .setParameter("ids", List.copyOf(batchIds)).getResultList()).map(Set::copyOf);
    }

    /**
     * Records the batch ids of one account's window; for an end marker also its source partition and the window's
     * partition count ({@link #endMarkers}). Native {@code ON CONFLICT DO NOTHING}: a batch applied concurrently by
     * another instance must not fail this transaction (an entity persist would hit the primary key and roll the
     * batch back).
     */
    Uni<Void> recordAll(List<SyncBatch> batches, String accountId, String windowId, Instant at) {
        String[] ids = new String[batches.size()];
        Integer[] partitions = new Integer[batches.size()];
        Integer[] counts = new Integer[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            SyncBatch b = batches.get(i);
            boolean marker = b.endsPartition(); // what the grouper counts as an end marker
            ids[i] = b.batchId();
            partitions[i] = marker ? b.sourcePartition() : NONE;
            counts[i] = marker ? b.windowPartitions() : NONE;
        }
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}applied_batch (batch_id, account_id, window_id, applied_at, source_partition,
                                                             window_partitions)
                        SELECT t.b, :a, :w, :at, NULLIF(t.p, -1), NULLIF(t.n, -1)
                        FROM unnest(cast(:b as text[]), cast(:p as int[]), cast(:n as int[])) AS t(b, p, n)
                        ON CONFLICT (batch_id) DO NOTHING""")
                .setParameter("b", ids).setParameter("p", partitions).setParameter("n", counts)
                .setParameter("a", accountId).setParameter("w", windowId)
                .setParameter("at", at.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /**
     * The end markers of a window recorded as applied: source partition → the window's partition count it stated.
     * One indexed read (partial index on the markers).
     */
    Uni<Map<Integer, Integer>> endMarkers(String accountId, String windowId) {
        return getSession().chain(s -> s.createSelectionQuery("""
                        select b.sourcePartition, b.windowPartitions from AppliedBatchEntity b
                        where b.accountId = :a and b.windowId = :w and b.windowPartitions is not null""", Object[].class)
                .setParameter("a", accountId).setParameter("w", windowId).getResultList()).map(rows -> {
                    Map<Integer, Integer> markers = new HashMap<>();
                    for (Object[] row : rows) {
                        markers.merge((Integer) row[0], (Integer) row[1], Math::max);
                    }
                    return markers;
                });
    }
}
