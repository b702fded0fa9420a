package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Membership;
import com.nosto.klaviyo.segment.domain.SyncedView;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@ApplicationScoped
public class MembershipRepository implements PanacheRepositoryBase<Membership, Membership.Key> {

    public Uni<List<Membership>> ofContact(String accountId, String email) {
        return list("key.accountId = ?1 and key.email = ?2", accountId, email);
    }

    /** The memberships of the given contacts, as managed entities (what {@link #ofContact} reads, for many at once). */
    public Uni<List<Membership>> ofContacts(List<com.nosto.klaviyo.segment.domain.Contact.Key> keys) {
        return getSession().chain(s -> s.createNativeQuery("select m.* from {h-schema}membership m"
                        + " join (select distinct a, e from unnest(cast(:a as text[]), cast(:e as text[])) as u(a, e)) k"
                        + " on m.account_id = k.a and m.email = k.e", Membership.class)
                .setParameter("a", keys.stream().map(k -> k.accountId()).toArray(String[]::new))
                .setParameter("e", keys.stream().map(k -> k.email()).toArray(String[]::new))
                .getResultList());
    }

    /** Membership entries of a page of contacts by email, read as plain rows (no managed entities to flush). */
    public Uni<Map<String, List<SyncedView.Entry>>> entriesOf(String accountId, Collection<String> emails) {
        return getSession().chain(s -> s.createNativeQuery("select email, segment_id, entry_seq from {h-schema}membership"
                        + " where account_id = :a and email = any(cast(:emails as text[]))", Object[].class)
                .setParameter("a", accountId).setParameter("emails", emails.toArray(String[]::new)).getResultList())
                .map(rows -> rows.stream().collect(Collectors.groupingBy(r -> (String) r[0],
                        Collectors.mapping(r -> new SyncedView.Entry((String) r[1], ((Number) r[2]).longValue()), Collectors.toList()))));
    }

    public Uni<Long> deleteSegments(String accountId, String email, Collection<String> segmentIds) {
        return delete("key.accountId = ?1 and key.email = ?2 and key.segmentId in ?3", accountId, email, segmentIds);
    }

    public Uni<Long> deleteAll(String accountId, String email) {
        return delete("key.accountId = ?1 and key.email = ?2", accountId, email);
    }

    /** Member count per segment id (defined or not) of an account, counted in the database. */
    public Uni<Map<String, Long>> countBySegment(String accountId) {
        return getSession().chain(s -> s.createSelectionQuery(
                        "select m.key.segmentId, count(m) from Membership m where m.key.accountId = ?1 group by m.key.segmentId",
                        Object[].class)
                .setParameter(1, accountId).getResultList())
                .map(rows -> rows.stream().collect(Collectors.toMap(r -> (String) r[0], r -> (Long) r[1])));
    }
}
