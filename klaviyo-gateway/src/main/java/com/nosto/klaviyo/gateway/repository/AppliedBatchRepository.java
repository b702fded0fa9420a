package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.repository.entity.AppliedBatchEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;

/** applied_batch rows. Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class AppliedBatchRepository implements PanacheRepositoryBase<AppliedBatchEntity, String> {

    Uni<Boolean> exists(String batchId) {
        return findById(batchId).map(b -> b != null);
    }

    /**
     * Native {@code ON CONFLICT DO NOTHING}: a batch applied concurrently by another instance must not
     * fail this transaction (an entity persist would hit the primary key and roll the batch back).
     */
    Uni<Void> record(String batchId, String accountId, String windowId, Instant at) {
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}applied_batch (batch_id, account_id, window_id, applied_at) VALUES (:b, :a, :w, :at)
                        ON CONFLICT (batch_id) DO NOTHING""")
                .setParameter("b", batchId).setParameter("a", accountId).setParameter("w", windowId)
                .setParameter("at", at.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }
}
