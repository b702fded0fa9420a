package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.repository.entity.AppliedBatchEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** applied_batch rows. Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class AppliedBatchRepository implements PanacheRepositoryBase<AppliedBatchEntity, String> {

    Uni<Set<String>> existing(Collection<String> batchIds) {
        return getSession().chain(s -> s.createSelectionQuery(
                        "select b.batchId from AppliedBatchEntity b where b.batchId in :ids", String.class)
                .setParameter("ids", List.copyOf(batchIds)).getResultList()).map(Set::copyOf);
    }

    /**
     * Native {@code ON CONFLICT DO NOTHING}: a batch applied concurrently by another instance must not
     * fail this transaction (an entity persist would hit the primary key and roll the batch back).
     */
    Uni<Void> recordAll(List<String> batchIds, String accountId, String windowId, Instant at) {
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}applied_batch (batch_id, account_id, window_id, applied_at)
                        SELECT t.b, :a, :w, :at FROM unnest(cast(:b as text[])) AS t(b)
                        ON CONFLICT (batch_id) DO NOTHING""")
                .setParameter("b", batchIds.toArray(new String[0])).setParameter("a", accountId).setParameter("w", windowId)
                .setParameter("at", at.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }
}
