package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.domain.LedgerEntry;
import com.nosto.klaviyo.gateway.domain.SyncRunView;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ledger, applied batch ids, sync runs and row outcomes. A batch's effects are recorded in one
 * transaction, so "applied" and "ledger moved forward" cannot disagree after a crash.
 */
@ApplicationScoped
public class SyncStateRepository {

    private final Pool pool;

    public SyncStateRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Boolean> isApplied(String batchId) {
        return pool.preparedQuery("SELECT 1 FROM klaviyo_gateway.applied_batch WHERE batch_id = $1").execute(Tuple.of(batchId))
                .map(rows -> rows.size() > 0);
    }

    public Uni<Map<String, LedgerEntry>> ledger(String accountId, List<String> emails) {
        if (emails.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return pool.preparedQuery("""
                SELECT email, applied_version, profile_id, in_list FROM klaviyo_gateway.contact_ledger
                WHERE account_id = $1 AND email = ANY($2)""")
                .execute(Tuple.of(accountId, emails.toArray(new String[0])))
                .map(rows -> {
                    Map<String, LedgerEntry> out = new HashMap<>();
                    for (Row r : rows) {
                        out.put(r.getString("email"), new LedgerEntry(r.getString("email"), r.getLong("applied_version"),
                                r.getString("profile_id"), r.getBoolean("in_list")));
                    }
                    return out;
                });
    }

    /** Records a batch's outcome: ledger (forward only), batch id, window counts, row outcomes, last sync. */
    public Uni<Void> commit(SyncBatch batch, BatchResult result) {
        Instant now = Instant.now();
        return pool.withTransaction(conn -> conn.preparedQuery("""
                        INSERT INTO klaviyo_gateway.applied_batch (batch_id, account_id, window_id, applied_at) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (batch_id) DO NOTHING""")
                .execute(Tuple.of(batch.batchId(), batch.accountId(), batch.windowId(), ConnectionRepository.at(now)))
                .call(() -> writeLedger(conn, batch.accountId(), result, now))
                .call(() -> conn.preparedQuery("""
                        INSERT INTO klaviyo_gateway.sync_run (account_id, window_id, window_kind, window_end, started_at, finished_at, batches,
                            added, moved, removed, deleted, skipped, failed, klaviyo_writes)
                        VALUES ($1, $2, $3, $4, $5, $5, 1, $6, $7, $8, $9, $10, $11, $12)
                        ON CONFLICT (account_id, window_id) DO UPDATE SET finished_at = EXCLUDED.finished_at,
                            batches = sync_run.batches + 1, added = sync_run.added + EXCLUDED.added,
                            moved = sync_run.moved + EXCLUDED.moved, removed = sync_run.removed + EXCLUDED.removed,
                            deleted = sync_run.deleted + EXCLUDED.deleted, skipped = sync_run.skipped + EXCLUDED.skipped,
                            failed = sync_run.failed + EXCLUDED.failed,
                            klaviyo_writes = sync_run.klaviyo_writes + EXCLUDED.klaviyo_writes""")
                        .execute(Sql.tuple(batch.accountId(), batch.windowId(),
                                batch.windowKind() == null ? null : batch.windowKind().name(),
                                ConnectionRepository.at(batch.windowEnd()), ConnectionRepository.at(now), result.added,
                                result.moved, result.removed, result.deleted, result.skipped, result.failed, result.writes)))
                .call(() -> writeRows(conn, batch, result, now))
                .call(() -> conn.preparedQuery("DELETE FROM klaviyo_gateway.parked_batch WHERE batch_id = $1").execute(Tuple.of(batch.batchId())))
                .call(() -> conn.preparedQuery("UPDATE klaviyo_gateway.klaviyo_connection SET last_sync_at = $2 WHERE account_id = $1")
                        .execute(Tuple.of(batch.accountId(), ConnectionRepository.at(now))))
                .replaceWithVoid());
    }

    private static Uni<?> writeLedger(SqlConnection conn, String accountId, BatchResult result, Instant now) {
        if (result.ledger.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        result.ledger.values().forEach(w -> rows.add(Sql.tuple(accountId, w.email(), w.version(), w.profileId(), w.inList(),
                ConnectionRepository.at(now))));
        return conn.preparedQuery("""
                INSERT INTO klaviyo_gateway.contact_ledger (account_id, email, applied_version, profile_id, in_list, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (account_id, email) DO UPDATE SET applied_version = EXCLUDED.applied_version,
                    profile_id = COALESCE(EXCLUDED.profile_id, contact_ledger.profile_id),
                    in_list = EXCLUDED.in_list, updated_at = EXCLUDED.updated_at
                WHERE contact_ledger.applied_version < EXCLUDED.applied_version""").executeBatch(rows);
    }

    private static Uni<?> writeRows(SqlConnection conn, SyncBatch batch, BatchResult result, Instant now) {
        if (result.rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>();
        // Bounded: a pathological batch must not write 10,000 error rows per window; the counts stay exact.
        result.rows.stream().limit(1000).forEach(r -> rows.add(Sql.tuple(batch.accountId(), batch.windowId(), batch.batchId(),
                r.email(), r.outcome(), truncate(r.detail()), ConnectionRepository.at(now))));
        return conn.preparedQuery("""
                INSERT INTO klaviyo_gateway.sync_row_error (account_id, window_id, batch_id, email, outcome, detail, at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)""").executeBatch(rows);
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    // ---- Parked batches ----------------------------------------------------------------------------

    public record Parked(String batchId, String accountId, String payload, String reason, int attempts, Instant parkedAt) {
    }

    public Uni<Void> park(SyncBatch batch, String payload, String reason) {
        Instant now = Instant.now();
        return pool.preparedQuery("""
                INSERT INTO klaviyo_gateway.parked_batch (batch_id, account_id, sequence, payload, reason, attempts, parked_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
                ON CONFLICT (batch_id) DO UPDATE SET reason = EXCLUDED.reason, attempts = parked_batch.attempts + 1,
                    updated_at = EXCLUDED.updated_at""")
                .execute(Sql.tuple(batch.batchId(), batch.accountId(), batch.sequence(), payload, truncate(reason),
                        ConnectionRepository.at(now)))
                .replaceWithVoid();
    }

    /** Parked batches of one account, oldest first (window order, then sequence). */
    public Uni<List<Parked>> parked(String accountId) {
        return pool.preparedQuery("""
                SELECT batch_id, account_id, payload, reason, attempts, parked_at FROM klaviyo_gateway.parked_batch
                WHERE account_id = $1 ORDER BY parked_at, sequence""").execute(Tuple.of(accountId))
                .map(rows -> {
                    List<Parked> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new Parked(r.getString("batch_id"), r.getString("account_id"), r.getString("payload"),
                            r.getString("reason"), r.getInteger("attempts"),
                            ConnectionRepository.instant(r.getOffsetDateTime("parked_at")))));
                    return out;
                });
    }

    /** Accounts that have parked batches and a working connection (retried periodically). */
    public Uni<List<String>> accountsWithParkedBatches() {
        return pool.query("""
                SELECT DISTINCT p.account_id FROM klaviyo_gateway.parked_batch p JOIN klaviyo_gateway.klaviyo_connection c ON c.account_id = p.account_id
                WHERE c.status = 'CONNECTED'""").execute()
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getString("account_id")));
                    return out;
                });
    }

    public Uni<Void> unpark(String batchId) {
        return pool.preparedQuery("DELETE FROM klaviyo_gateway.parked_batch WHERE batch_id = $1").execute(Tuple.of(batchId)).replaceWithVoid();
    }

    // ---- Sync runs -------------------------------------------------------------------------------------

    public Uni<List<SyncRunView>> runs(String accountId, int limit) {
        return pool.preparedQuery("""
                SELECT * FROM klaviyo_gateway.sync_run WHERE account_id = $1 ORDER BY finished_at DESC LIMIT $2""")
                .execute(Tuple.of(accountId, limit))
                .chain(rows -> {
                    Map<String, Row> byWindow = new LinkedHashMap<>();
                    rows.forEach(r -> byWindow.put(r.getString("window_id"), r));
                    return pool.preparedQuery("""
                            SELECT window_id, batch_id, email, outcome, detail, at FROM klaviyo_gateway.sync_row_error
                            WHERE account_id = $1 AND window_id = ANY($2) ORDER BY id LIMIT 5000""")
                            .execute(Tuple.of(accountId, byWindow.keySet().toArray(new String[0])))
                            .map(errRows -> {
                                Map<String, List<SyncRunView.RowOutcome>> errors = new HashMap<>();
                                errRows.forEach(e -> errors.computeIfAbsent(e.getString("window_id"), k -> new ArrayList<>())
                                        .add(new SyncRunView.RowOutcome(e.getString("batch_id"), e.getString("email"),
                                                e.getString("outcome"), e.getString("detail"),
                                                ConnectionRepository.instant(e.getOffsetDateTime("at")))));
                                List<SyncRunView> out = new ArrayList<>();
                                byWindow.forEach((w, r) -> out.add(new SyncRunView(w, r.getString("window_kind"),
                                        ConnectionRepository.instant(r.getOffsetDateTime("window_end")),
                                        ConnectionRepository.instant(r.getOffsetDateTime("started_at")),
                                        ConnectionRepository.instant(r.getOffsetDateTime("finished_at")),
                                        r.getInteger("batches"), r.getInteger("added"), r.getInteger("moved"),
                                        r.getInteger("removed"), r.getInteger("deleted"), r.getInteger("skipped"),
                                        r.getInteger("failed"), r.getInteger("klaviyo_writes"),
                                        errors.getOrDefault(w, List.of()))));
                                return out;
                            });
                });
    }
}
