package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.repository.entity.AppliedBatchEntity;
import com.nosto.klaviyo.gateway.repository.entity.InboxBatchEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** applied_batch rows: batches fully applied (a redelivery is not stored again). Methods run in the caller's session. */
@ApplicationScoped
public class AppliedBatchRepository implements PanacheRepositoryBase<AppliedBatchEntity, String> {

    /** Stands for "no value" in the int arrays bound below (a null inside a bound array is avoided). */
    private static final int NONE = -1;

    /**
     * Records the batch ids of one account's window; for an end marker also its source partition and the window's
     * partition count ({@link #endMarkers}). Native {@code ON CONFLICT DO NOTHING}: a batch applied concurrently by
     * another instance must not fail this transaction (an entity persist would hit the primary key and roll the
     * batch back).
     */
    Uni<Void> recordAll(List<InboxBatchEntity> batches, String accountId, String windowId, Instant at) {
        if (batches.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] ids = new String[batches.size()];
        Integer[] partitions = new Integer[batches.size()];
        Integer[] counts = new Integer[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            InboxBatchEntity b = batches.get(i);
            ids[i] = b.batchId;
            partitions[i] = b.endsPartition ? b.sourcePartition : NONE;
            counts[i] = b.endsPartition ? b.windowPartitions : NONE;
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
     * The end markers of an account's windows recorded as applied: window → source partition → the window's partition
     * count it stated. One indexed read (partial index on the markers).
     */
    Uni<Map<String, Map<Integer, Integer>>> endMarkers(String accountId, Collection<String> windowIds) {
        if (windowIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return getSession().chain(s -> s.createSelectionQuery("""
                        select b.windowId, b.sourcePartition, b.windowPartitions from AppliedBatchEntity b
                        where b.accountId = :a and b.windowId in :w and b.windowPartitions is not null""", Object[].class)
                .setParameter("a", accountId).setParameter("w", List.copyOf(windowIds)).getResultList()).map(rows -> {
                    Map<String, Map<Integer, Integer>> markers = new HashMap<>();
                    for (Object[] row : rows) {
                        markers.computeIfAbsent((String) row[0], w -> new HashMap<>()).merge((Integer) row[1], (Integer) row[2], Math::max);
                    }
                    return markers;
                });
    }
}
