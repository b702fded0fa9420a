package com.nosto.klaviyo.gateway.repository;

import static com.nosto.klaviyo.gateway.repository.Columns.instant;

import com.nosto.klaviyo.gateway.domain.ModelContact;
import com.nosto.klaviyo.gateway.domain.RepairPlan;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * What an audit reads from and writes to the gateway's own records: the ledger's members (the model), the corrections a
 * repair makes to the ledger, and the audit's entry in the sync history. Native statements: the model is read as rows,
 * not tens of thousands of managed entities, and the corrections go in one {@code unnest} update.
 */
@ApplicationScoped
public class AuditRepository {

    private final Transactions tx;
    private final LedgerRepository ledger;
    private final AccountLeaseRepository leases;

    public AuditRepository(Transactions tx, LedgerRepository ledger, AccountLeaseRepository leases) {
        this.tx = tx;
        this.ledger = ledger;
        this.leases = leases;
    }

    /**
     * An audit's or repair's sync history entry ({@code window_kind} AUDIT or REPAIR).
     *
     * @param added   members put back (repair)
     * @param removed foreign members removed (repair)
     * @param drift   counts per class, a JSON object
     */
    public record Run(String accountId, String runId, String kind, Instant startedAt, Instant finishedAt, int added, int removed,
            int failed, int writes, String drift) {
    }

    /** A connected account, when it connected and when its last audit (dry run or repair) started. */
    public record Audited(String accountId, Instant connectedAt, Instant lastAudit) {
    }

    /** Every connected account with its last audit (one statement: the schedule looks at all of them each tick). */
    public Uni<List<Audited>> connected() {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT c.account_id, c.connected_at,
                            (SELECT max(r.started_at) FROM {h-schema}sync_run r
                             WHERE r.account_id = c.account_id AND r.window_kind IN ('AUDIT', 'REPAIR'))
                        FROM {h-schema}klaviyo_connection c WHERE c.status = 'CONNECTED'""", Object[].class).getResultList())
                .map(rows -> rows.stream().map(r -> new Audited((String) r[0], instant(r[1]), instant(r[2]))).toList()));
    }

    /** When the account's last audit started, if it had one. */
    public Uni<java.util.Optional<Instant>> lastAudit(String accountId) {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT max(started_at) FROM {h-schema}sync_run WHERE account_id = :a AND window_kind IN ('AUDIT', 'REPAIR')""",
                        Object.class).setParameter("a", accountId).getResultList())
                .map(rows -> rows.isEmpty() ? java.util.Optional.<Instant>empty() : java.util.Optional.ofNullable(instant(rows.get(0)))));
    }

    /** The contacts the ledger says are in the list, with the properties applied to them. */
    public Uni<List<ModelContact>> members(String accountId) {
        return tx.inSession(() -> ledger.getSession().chain(s -> s.createNativeQuery("""
                        SELECT email, profile_id, nosto_segment, nosto_segments FROM {h-schema}contact_ledger
                        WHERE account_id = :a AND in_list""", Object[].class)
                .setParameter("a", accountId).getResultList())
                .map(rows -> {
                    List<ModelContact> out = new ArrayList<>(rows.size());
                    for (Object[] r : rows) {
                        List<String> segments = r[3] == null ? null : new JsonArray((String) r[3]).stream().map(String::valueOf).toList();
                        out.add(new ModelContact((String) r[0], (String) r[1], (String) r[2], segments));
                    }
                    return out;
                }));
    }

    /** A dry run's entry in the sync history. */
    public Uni<Void> record(Run run) {
        return tx.inTransaction(() -> insert(run));
    }

    /**
     * A repair's corrections and its history entry in one transaction, fenced by the account's lease (nothing is written
     * unless {@code holder} still holds it: {@code false}).
     */
    public Uni<Boolean> recordRepair(Run run, String holder, List<RepairPlan.LedgerFix> fixes) {
        return tx.inTransaction(() -> leases.stillHeld(run.accountId(), holder).chain(held -> !held ? Uni.createFrom().item(false)
                : fix(run.accountId(), fixes, run.finishedAt()).call(() -> insert(run)).replaceWith(true)));
    }

    private Uni<Void> fix(String accountId, List<RepairPlan.LedgerFix> fixes, Instant now) {
        if (fixes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] emails = fixes.stream().map(RepairPlan.LedgerFix::email).toArray(String[]::new);
        String[] ids = fixes.stream().map(RepairPlan.LedgerFix::profileId).toArray(String[]::new);
        Boolean[] inList = fixes.stream().map(RepairPlan.LedgerFix::inList).toArray(Boolean[]::new);
        // The applied version stays: what was applied is unchanged, only where Klaviyo keeps it.
        return ledger.getSession().chain(s -> s.createNativeQuery("""
                        UPDATE {h-schema}contact_ledger c SET profile_id = t.profile_id, in_list = t.in_list, updated_at = :now
                        FROM unnest(cast(:e as text[]), cast(:p as text[]), cast(:l as boolean[])) AS t(email, profile_id, in_list)
                        WHERE c.account_id = :a AND c.email = t.email""")
                .setParameter("a", accountId).setParameter("e", emails).setParameter("p", ids).setParameter("l", inList)
                .setParameter("now", now.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /** The history entry; the audit's saved read of the list, if it kept one, goes with it (the audit is done). */
    private Uni<Void> insert(Run run) {
        return ledger.getSession().chain(s -> s.createNativeQuery("DELETE FROM {h-schema}audit_read WHERE account_id = :a")
                .setParameter("a", run.accountId()).executeUpdate().chain(() -> s.createNativeQuery("""
                        INSERT INTO {h-schema}sync_run (account_id, window_id, window_kind, started_at, finished_at, added, removed,
                            failed, klaviyo_writes, drift)
                        VALUES (:a, :w, :k, :started, :finished, :added, :removed, :failed, :writes, :drift)""")
                .setParameter("a", run.accountId()).setParameter("w", run.runId()).setParameter("k", run.kind())
                .setParameter("started", run.startedAt().atOffset(ZoneOffset.UTC))
                .setParameter("finished", run.finishedAt().atOffset(ZoneOffset.UTC))
                .setParameter("added", run.added()).setParameter("removed", run.removed()).setParameter("failed", run.failed())
                .setParameter("writes", run.writes()).setParameter("drift", run.drift()).executeUpdate())).replaceWithVoid();
    }
}
