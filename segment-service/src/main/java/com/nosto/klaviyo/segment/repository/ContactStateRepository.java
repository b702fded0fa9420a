package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Tombstone;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/** One contact as segment-service holds it, for an operator's "where is this contact?" (three indexed reads). */
@ApplicationScoped
public class ContactStateRepository {

    /** A membership, with the segment's definition where the account defined it (else name null, sync off). */
    public record Member(String segmentId, String name, boolean syncEnabled, Instant enteredAt) {
    }

    /**
     * The contact: its version, when its newest event was observed, what downstream last received
     * ({@code syncedView}, JSON), its memberships in entry order; or, unknown, its tombstone's deletion time, if any.
     */
    public record State(boolean known, Long version, Instant observedAt, Instant updatedAt, String syncedView, List<Member> memberships,
            Instant deletedAt, Long deletedVersion) {
    }

    public Uni<State> find(String accountId, String email) {
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery("select c.version, "
                                + Rows.micros("c.observed_at") + ", " + Rows.micros("c.updated_at") + ", c.synced_view"
                                + " from {h-schema}contact c where c.account_id = :a and c.email = :e", Object[].class)
                        .setParameter("a", accountId).setParameter("e", email).getResultList()
                .chain(contact -> {
                    if (contact.isEmpty()) {
                        return s.createNativeQuery("select " + Rows.micros("t.deleted_at") + ", t.version"
                                        + " from {h-schema}contact_tombstone t where t.key_hash = :h", Object[].class)
                                .setParameter("h", Tombstone.hash(accountId, email)).getResultList()
                                .map(t -> t.isEmpty() ? new State(false, null, null, null, null, List.of(), null, null)
                                        : new State(false, null, null, null, null, List.of(), Rows.instant(t.get(0)[0]),
                                                ((Number) t.get(0)[1]).longValue()));
                    }
                    Object[] c = contact.get(0);
                    return s.createNativeQuery("select m.segment_id, d.name, coalesce(d.sync_enabled, false), "
                                    + Rows.micros("m.entered_at") + " from {h-schema}membership m left join {h-schema}segment d"
                                    + " on d.account_id = m.account_id and d.segment_id = m.segment_id"
                                    + " where m.account_id = :a and m.email = :e order by m.entry_seq", Object[].class)
                            .setParameter("a", accountId).setParameter("e", email).getResultList()
                            .map(rows -> new State(true, ((Number) c[0]).longValue(), Rows.instant(c[1]), Rows.instant(c[2]), (String) c[3],
                                    rows.stream().map(r -> new Member((String) r[0], (String) r[1], (Boolean) r[2], Rows.instant(r[3])))
                                            .toList(), null, null));
                })));
    }
}
