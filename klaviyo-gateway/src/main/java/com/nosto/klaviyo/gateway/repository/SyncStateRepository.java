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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Ledger, applied batch ids, sync runs and row outcomes. A batch's effects are recorded in one
 * transaction, so "applied" and "ledger moved forward" cannot disagree after a crash. Every public
 * method is one Hibernate Reactive session or transaction of its own (see {@link Transactions}).
 */
@ApplicationScoped
public class SyncStateRepository {

    /** A pathological batch must not write 10,000 error rows; the counts stay exact. */
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

    /** Which of these batch ids were applied before (one query for a whole window's batches). */
    public Uni<Set<String>> appliedAmong(Collection<String> batchIds) {
        if (batchIds.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return tx.inSession(() -> applied.existing(batchIds));
    }

    /**
     * The end markers of an account's window that were applied (source partition → the window's partition count
     * each stated): what a gateway that restarted, or took the partition over, knows of a window applied in parts.
     */
    public Uni<Map<Integer, Integer>> endMarkersApplied(String accountId, String windowId) {
        return tx.inSession(() -> applied.endMarkers(accountId, windowId));
    }

    public Uni<Map<String, LedgerEntry>> ledger(String accountId, List<String> emails) {
        if (emails.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.inSession(() -> ledger.read(accountId, emails));
    }

    /**
     * Records the outcome of one window's batches applied together: ledger (forward only), every batch id,
     * the window's counts (batches + n), row outcomes (each under the batch that carried the contact, at most
     * 1,000 per batch), last sync, and unparks them. One transaction: "applied" and "ledger moved forward"
     * cannot disagree after a crash.
     */
    public Uni<Void> commit(List<SyncBatch> batches, BatchResult result, Function<String, String> batchOfRow) {
        SyncBatch first = batches.get(0);
        Instant now = Instant.now();
        List<String> batchIds = batches.stream().map(SyncBatch::batchId).toList();
        Map<String, Integer> perBatch = new HashMap<>();
        List<SyncRowErrorRepository.RowInsert> rows = new ArrayList<>();
        for (BatchResult.Row r : result.rows) {
            String batchId = batchOfRow.apply(r.email());
            if (perBatch.merge(batchId, 1, Integer::sum) <= MAX_ROWS_PER_BATCH) {
                rows.add(new SyncRowErrorRepository.RowInsert(batchId, r.email(), r.outcome(), truncate(r.detail())));
            }
        }
        return tx.inTransaction(() -> applied.recordAll(batches, first.accountId(), first.windowId(), now)
                .call(() -> result.ledger.isEmpty() ? Uni.createFrom().voidItem()
                        : ledger.advance(first.accountId(), result.ledger.values(), now))
                .call(() -> runs.add(first, batches.size(), result, now))
                .call(() -> rows.isEmpty() ? Uni.createFrom().voidItem() : rowErrors.insert(first, rows, now))
                .call(() -> parked.unparkAll(batchIds))
                .call(() -> connections.update("lastSyncAt = ?2 where accountId = ?1", first.accountId(), now)));
    }

    /**
     * Records batches of one window that carry no contacts (end markers): their ids (a redelivery is then
     * recognised) and unparks them, in one transaction. The window's sync run counts them only when it has a row
     * already: a window of markers only synced nothing and adds no row to the merchant's history, and lastSyncAt
     * stays as it is.
     */
    public Uni<Void> commitContactless(List<SyncBatch> batches) {
        SyncBatch first = batches.get(0);
        List<String> batchIds = batches.stream().map(SyncBatch::batchId).toList();
        return tx.inTransaction(() -> applied.recordAll(batches, first.accountId(), first.windowId(), Instant.now())
                .call(() -> runs.countBatches(first, batches.size()))
                .call(() -> parked.unparkAll(batchIds)));
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    // ---- Parked batches ----------------------------------------------------------------------------

    public record Parked(String batchId, String accountId, String payload, String reason, int attempts, Instant parkedAt) {
    }

    /** Parks each batch (with its own payload) in one transaction; a window's batches are parked together. */
    public Uni<Void> parkAll(List<SyncBatch> batches, List<String> payloads, String reason) {
        Instant now = Instant.now();
        String why = truncate(reason);
        return tx.inTransaction(() -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (int i = 0; i < batches.size(); i++) {
                SyncBatch b = batches.get(i);
                String payload = payloads.get(i);
                chain = chain.chain(() -> parked.park(b.batchId(), b.accountId(), b.sequence(), payload, why, now));
            }
            return chain;
        });
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

    public Uni<Void> unparkAll(Collection<String> batchIds) {
        if (batchIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.inTransaction(() -> parked.unparkAll(batchIds)).replaceWithVoid();
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
