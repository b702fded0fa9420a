package com.nosto.klaviyo.gateway.repository;

import static com.nosto.klaviyo.gateway.repository.Columns.instant;
import static com.nosto.klaviyo.gateway.repository.Columns.utc;

import com.nosto.klaviyo.gateway.domain.AuditProgress;
import com.nosto.klaviyo.gateway.domain.ListedMember;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An audit's read of the list as far as it got ({@code audit_read}, {@code audit_read_member}): saved page by page, so an
 * audit interrupted mid-read resumes from the page it had reached. One per account; {@link AuditRepository} deletes it in
 * the transaction that records the audit. Native, set-based statements: a page's 100 members go in one {@code unnest}.
 */
@ApplicationScoped
public class AuditReadRepository {

    private final Transactions tx;
    private final LedgerRepository ledger;
    private final AccountLeaseRepository leases;

    public AuditReadRepository(Transactions tx, LedgerRepository ledger, AccountLeaseRepository leases) {
        this.tx = tx;
        this.ledger = ledger;
        this.leases = leases;
    }

    /** Every saved read, oldest first: audits interrupted mid-read (or, briefly, one running now on some replica). */
    public Uni<List<AuditProgress>> interrupted() {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT account_id, list_id, repair, next_link, pages, started_at, updated_at FROM {h-schema}audit_read
                        ORDER BY updated_at""", Object[].class).getResultList())
                .map(rows -> rows.stream().map(r -> new AuditProgress((String) r[0], (String) r[1], (Boolean) r[2], (String) r[3],
                        ((Number) r[4]).intValue(), instant(r[5]), instant(r[6]))).toList()));
    }

    /** Drops the saved reads not moved on since {@code before} (too old to resume); how many. */
    public Uni<Integer> dropStale(Instant before) {
        return tx.inTransaction(() -> ledger.getSession().chain(s -> s.createNativeQuery(
                "DELETE FROM {h-schema}audit_read WHERE updated_at < :t").setParameter("t", utc(before)).executeUpdate()));
    }

    /** The account's saved read, if an audit left one. */
    public Uni<Optional<AuditProgress>> find(String accountId) {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT list_id, repair, next_link, pages, started_at, updated_at FROM {h-schema}audit_read WHERE account_id = :a""",
                        Object[].class).setParameter("a", accountId).getResultList())
                .map(rows -> rows.stream().findFirst().map(r -> new AuditProgress(accountId, (String) r[0], (Boolean) r[1],
                        (String) r[2], ((Number) r[3]).intValue(), instant(r[4]), instant(r[5])))));
    }

    /** The members a saved read holds. */
    public Uni<List<ListedMember>> members(String accountId) {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT profile_id, email, nosto_segment, nosto_segments FROM {h-schema}audit_read_member WHERE account_id = :a""",
                        Object[].class).setParameter("a", accountId).getResultList())
                .map(rows -> {
                    List<ListedMember> out = new ArrayList<>(rows.size());
                    for (Object[] r : rows) {
                        out.add(new ListedMember((String) r[0], (String) r[1], fromJson((String) r[2]), fromJson((String) r[3])));
                    }
                    return out;
                }));
    }

    /** Starts the account's saved read afresh (an earlier one is dropped with its members). */
    public Uni<Void> start(AuditProgress progress) {
        return tx.inTransaction(() -> ledger.getSession().chain(s -> s.createNativeQuery(
                        "DELETE FROM {h-schema}audit_read WHERE account_id = :a").setParameter("a", progress.accountId()).executeUpdate()
                .chain(() -> s.createNativeQuery("""
                                INSERT INTO {h-schema}audit_read (account_id, list_id, repair, next_link, pages, started_at, updated_at)
                                VALUES (:a, :l, :r, :n, :p, :s, :u)""")
                        .setParameter("a", progress.accountId()).setParameter("l", progress.listId())
                        .setParameter("r", progress.repair()).setParameter("n", progress.nextLink()).setParameter("p", progress.pages())
                        .setParameter("s", utc(progress.startedAt())).setParameter("u", utc(progress.updatedAt())).executeUpdate())))
                .replaceWithVoid();
    }

    /**
     * One more page read: its members and where the read goes on, in one transaction, fenced by the account's lease (a
     * replica that lost it saves nothing: {@code false}), so a read another replica took over is never mixed with it.
     */
    public Uni<Boolean> savePage(AuditProgress progress, List<ListedMember> page, String holder) {
        String[] ids = page.stream().map(ListedMember::profileId).toArray(String[]::new);
        String[] emails = page.stream().map(ListedMember::email).toArray(String[]::new);
        String[] segment = page.stream().map(m -> toJson(m.nostoSegment())).toArray(String[]::new);
        String[] segments = page.stream().map(m -> toJson(m.nostoSegments())).toArray(String[]::new);
        return tx.inTransaction(() -> leases.stillHeld(progress.accountId(), holder).chain(held -> !held ? Uni.createFrom().item(false)
                : ledger.getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}audit_read_member (account_id, profile_id, email, nosto_segment, nosto_segments)
                        SELECT :a, t.id, t.email, t.seg, t.segs
                        FROM unnest(cast(:i as text[]), cast(:e as text[]), cast(:s as text[]), cast(:ss as text[]))
                            AS t(id, email, seg, segs)
                        ON CONFLICT (account_id, profile_id) DO UPDATE SET email = EXCLUDED.email,
                            nosto_segment = EXCLUDED.nosto_segment, nosto_segments = EXCLUDED.nosto_segments""")
                .setParameter("a", progress.accountId()).setParameter("i", ids).setParameter("e", emails)
                .setParameter("s", segment).setParameter("ss", segments).executeUpdate()
                .chain(() -> s.createNativeQuery("""
                                UPDATE {h-schema}audit_read SET next_link = :n, pages = :p, updated_at = :u WHERE account_id = :a""")
                        .setParameter("a", progress.accountId()).setParameter("n", progress.nextLink())
                        .setParameter("p", progress.pages()).setParameter("u", utc(progress.updatedAt())).executeUpdate()))
                .replaceWith(true)));
    }

    /** Drops the account's saved read (an audit that cannot go on: the account is no longer connected, its key refused). */
    public Uni<Void> drop(String accountId) {
        return tx.inTransaction(() -> ledger.getSession().chain(s -> s.createNativeQuery(
                "DELETE FROM {h-schema}audit_read WHERE account_id = :a").setParameter("a", accountId).executeUpdate())).replaceWithVoid();
    }

    /** Whether a window changed the account's ledger after {@code since}: a read saved before it no longer matches the model. */
    public Uni<Boolean> ledgerChangedSince(String accountId, Instant since) {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT EXISTS (SELECT 1 FROM {h-schema}contact_ledger WHERE account_id = :a AND updated_at > :t)""", Boolean.class)
                .setParameter("a", accountId).setParameter("t", utc(since)).getSingleResult()));
    }

    private static String toJson(Object value) {
        return value == null ? null : Json.encode(value);
    }

    /** Back to what {@link ListedMember} holds as read: lists and maps for JSON arrays and objects. */
    private static Object fromJson(String json) {
        if (json == null) {
            return null;
        }
        Object v = Json.decodeValue(json);
        if (v instanceof JsonArray a) {
            return a.getList();
        }
        return v instanceof JsonObject o ? o.getMap() : v;
    }
}
