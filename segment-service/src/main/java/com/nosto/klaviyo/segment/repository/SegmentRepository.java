package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.SyncedView;
import com.nosto.klaviyo.segment.repository.entity.Segment;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@ApplicationScoped
public class SegmentRepository implements PanacheRepositoryBase<Segment, Segment.Key> {

    public Uni<List<Segment>> listByAccount(String accountId) {
        return list("key.accountId = ?1 order by key.segmentId", accountId);
    }

    /**
     * Holds, until the transaction ends, the account's segment definitions as read: switches and renames
     * ({@link #lockDefinitionsForChange}) wait until the transaction ends, while other readers go on. An
     * event applied under it either saw a switch or committed before the switch's fan-out began, so the
     * fan-out sees the membership the event wrote (a new member is never missed by both).
     */
    public Uni<Void> lockDefinitionsForRead(String accountId) {
        return advisory("pg_advisory_xact_lock_shared", accountId);
    }

    /** Taken by a sync switch or rename before it reads the segment: waits for events applying under the old definitions. */
    public Uni<Void> lockDefinitionsForChange(String accountId) {
        return advisory("pg_advisory_xact_lock", accountId);
    }

    private Uni<Void> advisory(String function, String accountId) {
        // The two-int4 key space (class 1 = an account's segment definitions) is apart from the contacts' bigint keys.
        return getSession().chain(s -> s.createNativeQuery("select 1 from " + function + "(1, hashtext(:a))")
                .setParameter("a", accountId).getSingleResult()).replaceWithVoid();
    }

    /** Name and sync switch of every defined segment of the account, by segment id. */
    public Uni<Map<String, SyncedView.Definition>> definitions(String accountId) {
        return listByAccount(accountId).map(l -> l.stream().collect(Collectors.toMap(
                s -> s.key.segmentId(), s -> new SyncedView.Definition(s.name, s.syncEnabled))));
    }
}
