package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Contact;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Contacts as plain rows, read and written set-based within the caller's transaction. */
@ApplicationScoped
public class ContactRepository {

    /**
     * Locks every contact of a transaction that applies events, before the first of them, and returns those
     * stored: a transaction-scoped advisory lock per {@code account|email}, taken in the order of their keys
     * (it serialises all work on one contact, including its creation, which a row lock cannot cover: the row
     * does not exist yet), then the stored rows, locked in (account, email) order, the order a fan-out page
     * locks them in, and read in the same statement. Two transactions over overlapping contacts thus wait
     * for one another instead of deadlocking. The rows are read as plain rows: detached objects that nothing
     * flushes; the caller writes the result back ({@link IngestRepository}).
     */
    public Uni<List<Contact>> lockAll(List<Contact.Key> keys) {
        String[] lockKeys = keys.stream().map(k -> k.accountId() + "|" + k.email()).distinct().sorted().toArray(String[]::new);
        String[] accounts = keys.stream().map(Contact.Key::accountId).toArray(String[]::new);
        String[] emails = keys.stream().map(Contact.Key::email).toArray(String[]::new);
        // unnest yields the array in order and the function runs row by row, so the locks are taken sorted.
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select count(pg_advisory_xact_lock(hashtextextended(k, 0)))"
                                + " from unnest(cast(:k as text[])) as k")
                        .setParameter("k", lockKeys).getSingleResult())
                // A statement of its own, after the advisory locks: its snapshot sees every contact committed before.
                .chain(ignored -> Panache.getSession().chain(s -> s.createNativeQuery("select c.account_id, c.email, "
                                + Rows.micros("c.observed_at") + ", c.version, c.entry_seq, c.synced_view, "
                                + Rows.micros("c.updated_at") + " from {h-schema}contact c"
                                + " join (select distinct a, e from unnest(cast(:a as text[]), cast(:e as text[])) as u(a, e)) k"
                                + " on c.account_id = k.a and c.email = k.e"
                                + " order by c.account_id, c.email for update of c", Object[].class)
                        .setParameter("a", accounts).setParameter("e", emails).getResultList()))
                .map(rows -> rows.stream().map(r -> {
                    Contact c = new Contact();
                    c.key = new Contact.Key((String) r[0], (String) r[1]);
                    c.observedAt = Rows.instant(r[2]);
                    c.version = ((Number) r[3]).longValue();
                    c.entrySeq = ((Number) r[4]).longValue();
                    c.syncedView = (String) r[5];
                    c.updatedAt = Rows.instant(r[6]);
                    return c;
                }).toList());
    }

    /**
     * One page of a segment's members (or, with a null segment, of all the account's contacts) after
     * {@code afterEmail}, row-locked, in email order (keyset paging). Returned as detached objects:
     * a page's updates go back in one statement ({@link #updateVersions}) rather than 1000 entity flushes.
     */
    public Uni<List<Contact>> lockPage(String accountId, String segmentId, String afterEmail, int size) {
        String sql = "select c.email, c.version, c.synced_view from {h-schema}contact c"
                + " where c.account_id = :a and c.email > :after"
                // m.email > :after repeated on purpose: PostgreSQL does not carry an inequality across the join, and
                // without it the merge join reads the segment's index from its start on every page (quadratic:
                // 0.5 s a page halfway through 1M members instead of 6 ms).
                + (segmentId == null ? "" : " and exists (select 1 from {h-schema}membership m where m.account_id = c.account_id"
                        + " and m.email = c.email and m.segment_id = :s and m.email > :after)")
                + " order by c.email limit :n for update of c";
        return Panache.getSession().chain(s -> {
            var q = s.createNativeQuery(sql, Object[].class).setParameter("a", accountId).setParameter("after", afterEmail)
                    .setParameter("n", size);
            if (segmentId != null) {
                q.setParameter("s", segmentId);
            }
            return q.getResultList();
        }).map(rows -> rows.stream().map(r -> {
            Contact c = new Contact();
            c.key = new Contact.Key(accountId, (String) r[0]);
            c.version = ((Number) r[1]).longValue();
            c.syncedView = (String) r[2];
            return c;
        }).toList());
    }

    /**
     * Writes back version and synced view of page contacts changed by a fan-out, in one statement. {@code first} and
     * {@code last} are the page's first and last email ({@link #lockPage}'s order): they bound the statement to the
     * page's key range, so its cost stays that of a page whatever plan PostgreSQL picks. Without them, on a table it
     * had no statistics for (never analyzed: autovacuum off, or a segment loaded faster than autovacuum analyzes), it
     * hash-joined the page against all the account's contacts: 0.8 s a page at 1,000,000 contacts, the fan-out
     * quadratic in the account's size.
     */
    public Uni<Void> updateVersions(String accountId, List<Contact> changed, String first, String last) {
        if (changed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] emails = changed.stream().map(c -> c.key.email()).toArray(String[]::new);
        Long[] versions = changed.stream().map(c -> c.version).toArray(Long[]::new);
        String[] views = changed.stream().map(c -> c.syncedView).toArray(String[]::new);
        return Panache.getSession().chain(s -> s.createNativeQuery("update {h-schema}contact c"
                        + " set version = v.version, synced_view = v.view, updated_at = now()"
                        + " from unnest(cast(:emails as text[]), cast(:versions as bigint[]), cast(:views as text[])) as v(email, version, view)"
                        + " where c.account_id = :a and c.email >= :first and c.email <= :last and c.email = v.email")
                .setParameter("a", accountId).setParameter("first", first).setParameter("last", last).setParameter("emails", emails).setParameter("versions", versions)
                .setParameter("views", views).executeUpdate()).replaceWithVoid();
    }
}
