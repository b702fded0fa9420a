package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.segment.repository.entity.FanoutJob;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

@ApplicationScoped
public class FanoutJobRepository implements PanacheRepositoryBase<FanoutJob, Long> {

    /**
     * Claims the next job for the caller's transaction, or null when none is free: the oldest job that is its account's
     * oldest (an account's jobs run one after another, in the order they were made: a first enable before a rename of
     * the same segment) and that no other transaction holds (row lock, {@code SKIP LOCKED}). Replicas therefore work on
     * different accounts at once, and a job moves to another replica between two pages if its runner dies.
     */
    public Uni<FanoutJob> claimNext() {
        return getSession()
                .chain(s -> s.createNativeQuery("select j.id from {h-schema}fanout_job j where not exists"
                                + " (select 1 from {h-schema}fanout_job o where o.account_id = j.account_id and o.id < j.id)"
                                + " order by j.id limit 1 for update of j skip locked", Long.class)
                        .getResultList())
                .chain(ids -> ids.isEmpty() ? Uni.createFrom().nullItem() : findById(((Number) ids.get(0)).longValue()));
    }

    /** Ids of the account's segments with a fan-out job not yet done (an account-wide resync has no segment id). */
    public Uni<Set<String>> segmentsFanningOut(String accountId) {
        return getSession().chain(s -> s.createSelectionQuery(
                        "select distinct j.segmentId from FanoutJob j where j.accountId = :a and j.segmentId is not null", String.class)
                .setParameter("a", accountId).getResultList()).map(Set::copyOf);
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
