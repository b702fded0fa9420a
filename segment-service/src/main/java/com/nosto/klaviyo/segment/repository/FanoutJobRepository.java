package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.segment.domain.FanoutJob;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

@ApplicationScoped
public class FanoutJobRepository implements PanacheRepositoryBase<FanoutJob, Long> {

    /** The oldest job no other transaction holds (several instances share the work), locked; null when none. */
    public Uni<FanoutJob> claimNext() {
        return getSession()
                .chain(s -> s.createNativeQuery("select id from {h-schema}fanout_job order by id limit 1 for update skip locked", Long.class)
                        .getResultList())
                .chain(ids -> ids.isEmpty() ? Uni.createFrom().nullItem() : findById(((Number) ids.get(0)).longValue()));
    }

    public Uni<List<FanoutJob>> pending(String accountId) {
        return list("accountId = ?1 order by id", accountId);
    }

    /**
     * The account's first enables still fanning out: segment id → the cause their changes carry. A projection, so
     * the caller's session (an event's transaction) does not manage the jobs the fan-out is updating.
     */
    public Uni<Map<String, ChangeCause>> firstEnablesRunning(String accountId) {
        return getSession().chain(s -> s.createSelectionQuery("""
                        select j.segmentId, j.createdAt from FanoutJob j
                        where j.accountId = :a and j.firstEnable = true order by j.id""", Object[].class)
                .setParameter("a", accountId).getResultList()).map(rows -> {
                    Map<String, ChangeCause> bySegment = new HashMap<>();
                    for (Object[] row : rows) {
                        bySegment.putIfAbsent((String) row[0], ChangeCause.firstEnable((String) row[0], (Instant) row[1]));
                    }
                    return bySegment;
                });
    }
}
