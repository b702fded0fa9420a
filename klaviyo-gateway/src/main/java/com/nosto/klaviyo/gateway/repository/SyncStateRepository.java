package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.common.messaging.AdvisoryLocks;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.LedgerEntry;
import com.nosto.klaviyo.gateway.domain.SyncRunView;
import com.nosto.klaviyo.gateway.repository.entity.InboxBatchEntity;
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
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The gateway's state changes that span tables, each one transaction: storing a poll's batches in the inbox, and a
 * chunk's commit (ledger, inbox, applied batch ids, sync run, row outcomes), so "applied" and "ledger moved forward"
 * cannot disagree after a crash, and a restart resumes from the last chunk. Every public method is one Hibernate
 * Reactive session or transaction of its own (see {@link Transactions}).
 */
@ApplicationScoped
public class SyncStateRepository {

    /** A pathological chunk must not write 10,000 error rows per batch; the counts stay exact. */
    private static final int MAX_ROWS_PER_BATCH = 1000;
    private static final int MAX_ROWS_SHOWN = 5000;

    private final Transactions tx;
    private final InboxRepository inbox;
    private final AccountLeaseRepository leases;
    private final AppliedBatchRepository applied;
    private final LedgerRepository ledger;
    private final SyncRunRepository runs;
    private final SyncRowErrorRepository rowErrors;
    private final ConnectionRepository connections;

    public SyncStateRepository(Transactions tx, InboxRepository inbox, AccountLeaseRepository leases, AppliedBatchRepository applied,
            LedgerRepository ledger, SyncRunRepository runs, SyncRowErrorRepository rowErrors, ConnectionRepository connections) {
        this.tx = tx;
        this.inbox = inbox;
        this.leases = leases;
        this.applied = applied;
        this.ledger = ledger;
        this.runs = runs;
        this.rowErrors = rowErrors;
        this.connections = connections;
    }

    /**
     * Stores a poll's valid batches in the inbox and marks their accounts due, in one transaction. A batch already
     * waiting or applied is skipped. Returns how many were new. {@code traces}: null, or each batch's trace context (a
     * traceparent or null).
     */
    public Uni<Integer> store(List<SyncBatch> batches, List<String> payloads, List<String> traces) {
        if (batches.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return tx.inTransaction(() -> inbox.insert(batches, payloads, traces)
                .call(() -> leases.wake(batches.stream().map(SyncBatch::accountId).toList())));
    }

    public Uni<Map<String, LedgerEntry>> ledger(String accountId, List<String> emails) {
        if (emails.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.inSession(() -> ledger.read(accountId, emails));
    }

    /** End markers recorded as applied, per window: source partition → the window's partition count it stated. */
    public Uni<Map<String, Map<Integer, Integer>>> appliedMarkers(String accountId, Collection<String> windowIds) {
        return tx.inSession(() -> applied.endMarkers(accountId, windowIds));
    }

    /** Which of the account's windows were applied in part already (their sync history row exists). */
    public Uni<Set<String>> appliedInPart(String accountId, Collection<String> windowIds) {
        return tx.inSession(() -> runs.existing(accountId, windowIds));
    }

    /** Whether a part of the window was applied already. */
    public Uni<Boolean> appliedInPart(String accountId, String windowId) {
        return tx.inSession(() -> runs.exists(accountId, windowId));
    }

    /**
     * One chunk of a window, applied.
     *
     * @param holder     the lease under which it was applied: nothing is recorded unless it still holds it
     * @param done       the chunk's batches with nothing left to apply (they leave the inbox for applied_batch)
     * @param rewritten  batch id → what is left of it to apply (it stays in the inbox)
     * @param result     the chunk's counts, ledger writes and row outcomes; null for a chunk of end markers only
     * @param batchOfRow email of a row outcome → the batch that carried it
     * @param started    when the chunk began (the window's sync run starts at its first chunk)
     */
    public record Chunk(String accountId, String holder, InboxBatchEntity window, List<InboxBatchEntity> done,
            Map<String, Rest> rewritten, BatchResult result, Function<String, String> batchOfRow, Instant started) {
    }

    /** What is left of a batch applied in part: its payload with only the deferred contacts, and how many. */
    public record Rest(String payload, int contacts) {
    }

    /**
     * Records a chunk in one transaction, fenced by the account's lease (its row locked, still held by this chunk's
     * holder, else nothing is written: {@code false}). Contacts: ledger forward only, sync run counts (+ the batches
     * done), row outcomes (at most 1,000 per batch), last sync. End markers only: their ids, and the window's batches
     * count when it has a sync run already (a window of markers only synced nothing and adds no history entry).
     */
    public Uni<Boolean> commit(Chunk c) {
        Instant now = Instant.now();
        List<SyncRowErrorRepository.RowInsert> rows = new ArrayList<>();
        if (c.result() != null) {
            Map<String, Integer> perBatch = new HashMap<>();
            for (BatchResult.Row r : c.result().rows) {
                String batchId = c.batchOfRow().apply(r.email());
                if (perBatch.merge(batchId, 1, Integer::sum) <= MAX_ROWS_PER_BATCH) {
                    rows.add(new SyncRowErrorRepository.RowInsert(batchId, r.email(), r.outcome(), truncate(r.detail())));
                }
            }
        }
        String windowId = c.window().windowId;
        return tx.inTransaction(() -> leases.stillHeld(c.accountId(), c.holder()).chain(held -> {
            if (!held) {
                return Uni.createFrom().item(false);
            }
            Uni<Void> work = applied.recordAll(c.done(), c.accountId(), windowId, now)
                    .call(() -> inbox.remove(c.done().stream().map(b -> b.batchId).toList()));
            for (Map.Entry<String, Rest> e : c.rewritten().entrySet()) {
                work = work.call(() -> inbox.rewrite(e.getKey(), e.getValue().payload(), e.getValue().contacts()));
            }
            if (c.result() == null) {
                return work.call(() -> runs.countBatches(c.accountId(), windowId, c.done().size())).replaceWith(true);
            }
            BatchResult r = c.result();
            return work.call(() -> r.ledger.isEmpty() ? Uni.createFrom().voidItem() : ledger.advance(c.accountId(), r.ledger.values(), now))
                    .call(() -> runs.add(c.window(), c.done().size(), r, c.started(), now))
                    .call(() -> rows.isEmpty() ? Uni.createFrom().voidItem() : rowErrors.insert(c.accountId(), windowId, rows, now))
                    .call(() -> connections.update("lastSyncAt = ?2 where accountId = ?1", c.accountId(), now))
                    .replaceWith(true);
        }));
    }

    /**
     * An entry in the account's sync history that is not a window's counts: a key that cannot be decrypted (under the
     * window that waits), or batches that expired. One row outcome carries the explanation.
     */
    public Uni<Void> notice(String accountId, String windowId, String kind, Instant windowEnd, String outcome, String detail) {
        Instant now = Instant.now();
        return tx.inTransaction(() -> runs.notice(accountId, windowId, kind, windowEnd, 0, 0, now)
                .call(() -> rowErrors.insert(accountId, windowId,
                        List.of(new SyncRowErrorRepository.RowInsert("", null, outcome, truncate(detail))), now)));
    }

    /**
     * Stores a connection made with a key of Klaviyo account {@code c.klaviyoAccountId()}. When the account's ledger was
     * applied to another Klaviyo account (or to one not recorded), its versions and profile ids are cleared in the same
     * transaction, so nothing applied there is taken as applied here, and the sync history says so under
     * {@code windowId} ({@code explain} gets the contacts cleared and the previous Klaviyo account, or null). Returns
     * how many contacts were cleared.
     */
    public Uni<Integer> connect(Connection c, String windowId, BiFunction<Integer, String, String> explain) {
        Instant now = c.updatedAt();
        return tx.inTransaction(() -> ledger.owner(c.accountId()).chain(owner -> {
            if (owner.filter(c.klaviyoAccountId()::equals).isPresent()) {
                return connections.save(c).replaceWith(0);
            }
            return ledger.clear(c.accountId())
                    .call(n -> n == 0 ? Uni.createFrom().voidItem()
                            : runs.notice(c.accountId(), windowId, "KLAVIYO_ACCOUNT_CHANGED", null, 0, 0, now)
                                    .call(() -> rowErrors.insert(c.accountId(), windowId, List.of(new SyncRowErrorRepository.RowInsert(
                                            "", null, "RESET", truncate(explain.apply(n, owner.orElse(null))))), now)))
                    .call(() -> ledger.bind(c.accountId(), c.klaviyoAccountId(), now))
                    .call(() -> connections.save(c));
        }));
    }

    /**
     * Purges one account's batches older than {@code cutoff} unless it has a working connection, and says so in its sync
     * history (one entry per purge run, {@code windowId}), in one transaction that holds the purge's advisory lock (one
     * replica purges at a time). Returns {batches, contacts} purged, or {-1, -1} when another replica is purging.
     */
    public Uni<long[]> purge(String accountId, Instant cutoff, String windowId, Function<long[], String> explain) {
        Instant now = Instant.now();
        return tx.inTransaction(() -> inbox.getSession().chain(s -> s.createNativeQuery(AdvisoryLocks.TRY_TRANSACTION_LOCK_SQL, Boolean.class)
                .setParameter(1, AdvisoryLocks.key("klaviyo-gateway/inbox-purge")).getSingleResult()).chain(locked -> !locked
                        ? Uni.createFrom().item(new long[] {-1, -1})
                        : inbox.purge(accountId, cutoff).call(gone -> gone[0] == 0 ? Uni.createFrom().voidItem()
                                : runs.notice(accountId, windowId, "EXPIRED", null, (int) gone[0], (int) gone[1], now)
                                        .call(() -> rowErrors.insert(accountId, windowId, List.of(new SyncRowErrorRepository.RowInsert(
                                                "", null, "EXPIRED", truncate(explain.apply(gone)))), now)))));
    }

    private static Map<String, Integer> drift(String json) {
        if (json == null) {
            return null;
        }
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        new io.vertx.core.json.JsonObject(json).forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).intValue()));
        return out;
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 2000 ? s.substring(0, 2000) : s;
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
                            r.added, r.moved, r.removed, r.deleted, r.skipped, r.failed, r.klaviyoWrites, drift(r.drift),
                            errors.getOrDefault(r.id.windowId(), List.of())));
                }
                return out;
            });
        }));
    }
}
