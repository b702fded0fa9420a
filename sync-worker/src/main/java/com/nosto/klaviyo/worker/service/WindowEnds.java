package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.repository.AccountWindowRepository;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import com.nosto.klaviyo.worker.repository.entity.WindowScheduleEntity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Ends a partition's part of the windows it released: one end marker per window (no contacts, {@code last}, how many
 * partitions the window has) and the partition's new due times, in one transaction holding the (account, partition)
 * release lock and the schedule row lock.
 *
 * <p>Why every partition a marker counts writes a marker of its own: the count takes the partitions whose stored
 * due time for the kind equals the window's end, and a partition's due time leaves that value (on its own) only
 * here, in the transaction that writes its marker for that window; the partitions that already left it are counted
 * through their outbox rows of the window. Where that fails (rare; the gateway falls back to a timeout) is listed
 * in docs/sync-worker.md.
 */
@ApplicationScoped
public class WindowEnds {

    private static final Logger LOG = Logger.getLogger(WindowEnds.class);

    /** A window of one kind ending at {@code end}. */
    public record Window(WindowKind kind, Instant end) {
    }

    private final LedgerRepository ledger;
    private final ScheduleRepository schedules;
    private final AccountWindowRepository accounts;
    private final OutboxRepository outbox;
    private final Clock clock;
    private final SyncWorkerConfig config;

    public WindowEnds(LedgerRepository ledger, ScheduleRepository schedules, AccountWindowRepository accounts,
            OutboxRepository outbox, Clock clock, SyncWorkerConfig config) {
        this.ledger = ledger;
        this.schedules = schedules;
        this.accounts = accounts;
        this.outbox = outbox;
        this.clock = clock;
        this.config = config;
    }

    /**
     * Call in a transaction, once the partition's due windows have no page left.
     *
     * @return the markers written: none for a window whose marker another instance already wrote, and none at all
     *         when another instance holds the partition's release lock (it ends the windows; the due times stay)
     */
    public Uni<Integer> finish(String accountId, int partition, List<Window> released) {
        return schedules.tryLockRelease(accountId, partition).chain(locked -> {
            if (!locked) {
                return Uni.createFrom().item(0);
            }
            // The schedule row lock first: a consumer storing a change for this partition waits for the markers and
            // the new due times to commit together.
            return schedules.findForUpdate(new WindowScheduleEntity.Key(accountId, partition)).chain(s -> {
                Uni<Integer> markers = Uni.createFrom().item(0);
                for (Window w : released) {
                    markers = markers.chain(n -> writeMarker(accountId, partition, w).map(written -> written ? n + 1 : n));
                }
                return markers.call(() -> reschedule(s, accountId, partition));
            });
        });
    }

    /** The partition's last batch of the window, unless it already has one. */
    private Uni<Boolean> writeMarker(String accountId, int partition, Window w) {
        String windowId = WindowRules.windowId(accountId, w.kind(), w.end());
        Instant now = clock.instant();
        return outbox.needsMarker(windowId, partition).chain(needed -> !needed ? Uni.createFrom().item(false)
                : outbox.nextSequence(windowId, partition)
                .chain(sequence -> outbox.windowPartitions(accountId, w.kind(), w.end(), windowId, partition).chain(n -> {
                    LOG.debugf("End of %s partition %s: %s partitions in all", windowId, partition, n);
                    return outbox.append(SyncBatch.endMarker(WindowRules.batchId(windowId, partition, sequence), accountId,
                            windowId, w.kind(), sequence, w.end(), now, partition, n));
                })).replaceWith(true));
    }

    /**
     * Recomputes the partition's due times from what is still pending. Holding the schedule row lock orders this
     * against a consumer storing a new pending change: either this sees that change, or the consumer runs after and
     * schedules it itself.
     */
    private Uni<Void> reschedule(WindowScheduleEntity s, String accountId, int partition) {
        if (s == null) {
            return Uni.createFrom().voidItem();
        }
        Instant now = clock.instant();
        return ledger.countPending(accountId, partition).chain(pending -> ledger.earliestFirstEnable(accountId, partition)
                // The anchor exists: the ingest that scheduled this partition created it in the same transaction.
                .chain(firstEnableSince -> accounts.findById(accountId).map(a -> a.createdAt).invoke(anchor -> {
                    if (pending == 0) {
                        s.regularDueAt = null;
                    } else if (s.regularDueAt == null || !s.regularDueAt.isAfter(now)) {
                        s.regularDueAt = WindowRules.nextRegularEnd(anchor, config.windows().regular(), now);
                    }
                    s.firstEnableDueAt = firstEnableSince == null ? null
                            : WindowRules.firstEnableEnd(firstEnableSince, config.windows().firstEnable());
                }))).replaceWithVoid();
    }
}
