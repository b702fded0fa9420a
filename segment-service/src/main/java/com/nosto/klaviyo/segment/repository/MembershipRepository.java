package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Contact;
import com.nosto.klaviyo.segment.domain.Membership;
import com.nosto.klaviyo.segment.domain.SyncedView;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Memberships as plain rows, read within the caller's transaction (written by {@link IngestRepository}). */
@ApplicationScoped
public class MembershipRepository {

    /**
     * The memberships of the given contacts, read as plain rows: detached objects that nothing flushes; the
     * caller writes its changes back ({@link IngestRepository}).
     */
    public Uni<List<Membership>> ofContacts(List<Contact.Key> keys) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select m.account_id, m.email, m.segment_id, m.entry_seq, "
                        + Rows.micros("m.entered_at") + " from {h-schema}membership m"
                        + " join (select distinct a, e from unnest(cast(:a as text[]), cast(:e as text[])) as u(a, e)) k"
                        + " on m.account_id = k.a and m.email = k.e", Object[].class)
                .setParameter("a", keys.stream().map(Contact.Key::accountId).toArray(String[]::new))
                .setParameter("e", keys.stream().map(Contact.Key::email).toArray(String[]::new))
                .getResultList())
                .map(rows -> rows.stream().map(r -> Membership.of((String) r[0], (String) r[1], (String) r[2],
                        ((Number) r[3]).longValue(), Rows.instant(r[4]))).toList());
    }

    /**
     * Membership entries of a page of contacts by email, read as plain rows (no managed entities to flush). The page
     * is in the database's email order; its first and last email bound the read to the page's key range (see
     * {@link ContactRepository#updateVersions}).
     */
    public Uni<Map<String, List<SyncedView.Entry>>> entriesOf(String accountId, List<String> page) {
        if (page.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return Panache.getSession().chain(s -> s.createNativeQuery("select email, segment_id, entry_seq from {h-schema}membership"
                        + " where account_id = :a and email >= :first and email <= :last and email = any(cast(:emails as text[]))",
                        Object[].class)
                .setParameter("a", accountId).setParameter("first", page.get(0)).setParameter("last", page.get(page.size() - 1))
                .setParameter("emails", page.toArray(String[]::new)).getResultList())
                .map(rows -> rows.stream().collect(Collectors.groupingBy(r -> (String) r[0],
                        Collectors.mapping(r -> new SyncedView.Entry((String) r[1], ((Number) r[2]).longValue()), Collectors.toList()))));
    }
}
