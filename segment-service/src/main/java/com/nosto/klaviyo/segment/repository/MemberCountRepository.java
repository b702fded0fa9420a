package com.nosto.klaviyo.segment.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Member counts per segment ({@code segment_member_count}), kept by the ingest statement in the transactions that change
 * membership ({@link IngestRepository}), so listing an account's segments reads a few rows per segment (its count's
 * stripes, summed) instead of counting every membership.
 */
@ApplicationScoped
public class MemberCountRepository {

    /** Segment id → members, for the account's segments with members (defined or not). */
    public Uni<Map<String, Long>> ofAccount(String accountId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select segment_id, sum(members) from {h-schema}segment_member_count"
                        + " where account_id = :a group by segment_id", Object[].class).setParameter("a", accountId).getResultList())
                .map(rows -> rows.stream().collect(Collectors.toMap(r -> (String) r[0], r -> ((Number) r[1]).longValue())));
    }

    public Uni<Long> of(String accountId, String segmentId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select coalesce(sum(members), 0) from {h-schema}segment_member_count"
                        + " where account_id = :a and segment_id = :s", Object.class).setParameter("a", accountId)
                .setParameter("s", segmentId).getSingleResult())
                .map(n -> ((Number) n).longValue());
    }

    /**
     * The segment's members now and how many of them are also in another synced segment (so already in the Klaviyo
     * list): one pass over the segment's memberships by its index, for a preview of its sync switch.
     *
     * @return {members, inOtherSyncedSegment}
     */
    public Uni<long[]> withOtherSyncedSegments(String accountId, String segmentId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select count(*), count(*) filter (where exists ("
                        + " select 1 from {h-schema}membership o join {h-schema}segment g"
                        + " on g.account_id = o.account_id and g.segment_id = o.segment_id and g.sync_enabled"
                        + " where o.account_id = m.account_id and o.email = m.email and o.segment_id <> m.segment_id))"
                        + " from {h-schema}membership m where m.account_id = :a and m.segment_id = :s", Object[].class)
                .setParameter("a", accountId).setParameter("s", segmentId).getSingleResult())
                .map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue()});
    }
}
