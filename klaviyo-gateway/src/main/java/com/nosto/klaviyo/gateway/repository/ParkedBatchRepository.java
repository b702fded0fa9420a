package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.repository.entity.ParkedBatchEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;

/** parked_batch rows. Methods run in the caller's session (see {@link SyncStateRepository}). */
@ApplicationScoped
public class ParkedBatchRepository implements PanacheRepositoryBase<ParkedBatchEntity, String> {

    /**
     * Native upsert: parking the same batch again counts an attempt atomically ({@code attempts + 1});
     * a find-then-persist could lose the count or hit the primary key when a timer retry and a
     * redelivery park at once.
     */
    Uni<Void> park(String batchId, String accountId, int sequence, String payload, String reason, Instant now) {
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}parked_batch (batch_id, account_id, sequence, payload, reason, attempts, parked_at, updated_at)
                        VALUES (:b, :a, :s, :p, :r, 1, :now, :now)
                        ON CONFLICT (batch_id) DO UPDATE SET reason = EXCLUDED.reason, attempts = parked_batch.attempts + 1,
                            updated_at = EXCLUDED.updated_at""")
                .setParameter("b", batchId).setParameter("a", accountId).setParameter("s", sequence).setParameter("p", payload)
                .setParameter("r", reason).setParameter("now", now.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /** Oldest first (parked time, then sequence). */
    Uni<List<ParkedBatchEntity>> ofAccount(String accountId) {
        return list("accountId", Sort.by("parkedAt").and("sequence"), accountId);
    }

    Uni<List<String>> accountsConnected() {
        return getSession().chain(s -> s.createSelectionQuery("""
                        select distinct p.accountId from ParkedBatchEntity p, KlaviyoConnectionEntity c
                        where c.accountId = p.accountId and c.status = :status""", String.class)
                .setParameter("status", Connection.Status.CONNECTED).getResultList());
    }

    Uni<Long> unparkAll(Collection<String> batchIds) {
        return delete("batchId in ?1", List.copyOf(batchIds));
    }
}
