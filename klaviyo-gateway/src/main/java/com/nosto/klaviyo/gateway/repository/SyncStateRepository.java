package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.domain.LedgerEntry;
import com.nosto.klaviyo.gateway.domain.SyncRunView;
import com.nosto.klaviyo.gateway.repository.entity.SyncRowErrorEntity;
import com.nosto.klaviyo.gateway.repository.entity.SyncRunEntity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ledger, applied batch ids, sync runs and row outcomes. A batch's effects are recorded in one
 * transaction, so "applied" and "ledger moved forward" cannot disagree after a crash. Every public
 * method is one Hibernate Reactive session or transaction of its own (see {@link Transactions}).
 */
@ApplicationScoped
public class SyncStateRepository {

    /** A pathological batch must not write 10,000 error rows per window; the counts stay exact. */
    private static final int MAX_ROWS_PER_BATCH = 1000;
    private static final int MAX_ROWS_SHOWN = 5000;

    private final Transactions tx;
    private final AppliedBatchRepository applied;
    private final LedgerRepository ledger;
    private final ParkedBatchRepository parked;
    private final SyncRunRepository runs;
    private final SyncRowErrorRepository rowErrors;
    private final ConnectionRepository connections;

    public SyncStateRepository(Transactions tx, AppliedBatchRepository applied, LedgerRepository ledger, ParkedBatchRepository parked,
            SyncRunRepository runs, SyncRowErrorRepository rowErrors, ConnectionRepository connections) {
        this.tx = tx;
        this.applied = applied;
        this.ledger = ledger;
        this.parked = parked;
        this.runs = runs;
        this.rowErrors = rowErrors;
        this.connections = connections;
    }

    public Uni<Boolean> isApplied(String batchId) {
        return tx.inSession(() -> applied.exists(batchId));
    }

    public Uni<Map<String, LedgerEntry>> ledger(String accountId, List<String> emails) {
        if (emails.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.inSession(() -> ledger.read(accountId, emails));
    }

    /** Records a batch's outcome: ledger (forward only), batch id, window counts, row outcomes, last sync. */
    public Uni<Void> commit(SyncBatch batch, BatchResult result) {
        Instant now = Instant.now();
        List<BatchResult.Row> rows = result.rows.stream().limit(MAX_ROWS_PER_BATCH)
                .map(r -> new BatchResult.Row(r.email(), r.outcome(), truncate(r.detail()))).toList();
        return tx.inTransaction(() -> applied.record(batch.batchId(), batch.accountId(), batch.windowId(), now)
                .call(() -> result.ledger.isEmpty() ? Uni.createFrom().voidItem()
                        : ledger.advance(batch.accountId(), result.ledger.values(), now))
                .call(() -> runs.add(batch, result, now))
                .call(() -> rows.isEmpty() ? Uni.createFrom().voidItem() : rowErrors.insert(batch, rows, now))
                .call(() -> parked.unpark(batch.batchId()))
                .call(() -> connections.update("lastSyncAt = ?2 where accountId = ?1", batch.accountId(), now)));
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    // ---- Parked batches ----------------------------------------------------------------------------

    public record Parked(String batchId, String accountId, String payload, String reason, int attempts, Instant parkedAt) {
    }

    public Uni<Void> park(SyncBatch batch, String payload, String reason) {
        Instant now = Instant.now();
        return tx.inTransaction(() -> parked.park(batch.batchId(), batch.accountId(), batch.sequence(), payload, truncate(reason), now));
    }

    /** Parked batches of one account, oldest first (window order, then sequence). */
    public Uni<List<Parked>> parked(String accountId) {
        return tx.inSession(() -> parked.ofAccount(accountId)).map(list -> list.stream()
                .map(p -> new Parked(p.batchId, p.accountId, p.payload, p.reason, p.attempts, p.parkedAt)).toList());
    }

    /** Accounts that have parked batches and a working connection (retried periodically). */
    public Uni<List<String>> accountsWithParkedBatches() {
        return tx.inSession(parked::accountsConnected);
    }

    public Uni<Void> unpark(String batchId) {
        return tx.inTransaction(() -> parked.unpark(batchId)).replaceWithVoid();
    }

    // ---- Sync runs -------------------------------------------------------------------------------------

    public Uni<List<SyncRunView>> runs(String accountId, int limit) {
        return tx.inSession(() -> runs.newest(accountId, limit).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(List.<SyncRunView>of());
            }
            List<String> windows = found.stream().map(r -> r.id.windowId()).toList();
            return rowErrors.ofWindows(accountId, windows, MAX_ROWS_SHOWN).map(errRows -> {
                Map<String, List<SyncRunView.RowOutcome>> errors = new HashMap<>();
                for (SyncRowErrorEntity e : errRows) {
                    errors.computeIfAbsent(e.windowId, k -> new ArrayList<>())
                            .add(new SyncRunView.RowOutcome(e.batchId, e.email, e.outcome, e.detail, e.occurredAt));
                }
                List<SyncRunView> out = new ArrayList<>();
                for (SyncRunEntity r : found) {
                    out.add(new SyncRunView(r.id.windowId(), r.windowKind, r.windowEnd, r.startedAt, r.finishedAt, r.batches,
                            r.added, r.moved, r.removed, r.deleted, r.skipped, r.failed, r.klaviyoWrites,
                            errors.getOrDefault(r.id.windowId(), List.of())));
                }
                return out;
            });
        }));
    }
}
