package com.nosto.klaviyo.worker.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.domain.ContactLedger;
import com.nosto.klaviyo.worker.domain.MembershipState;
import com.nosto.klaviyo.worker.domain.ReleaseRules;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.repository.AccountWindowRepository;
import com.nosto.klaviyo.worker.repository.ContactLedgerEntity;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.OutboxBatchEntity;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import com.nosto.klaviyo.worker.repository.WindowScheduleEntity;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Releases the due windows of the given source partitions. Each page of contacts is one transaction:
 * lock up to batch-size pending rows, mark them released and write their SyncBatch to the outbox.
 * Heap holds one page at a time however many contacts wait. When a partition's due windows are empty,
 * one more transaction writes each window's end marker and recomputes the partition's due times.
 * Blocking API: call it from a worker thread.
 */
@ApplicationScoped
public class ReleaseService {

    private static final Logger LOG = Logger.getLogger(ReleaseService.class);

    @Inject
    LedgerRepository ledger;
    @Inject
    ScheduleRepository schedules;
    @Inject
    AccountWindowRepository accounts;
    @Inject
    OutboxRepository outbox;
    @Inject
    Clock clock;
    @Inject
    SyncWorkerConfig config;
    @Inject
    WorkerMetrics metrics;

    /**
     * What one call released.
     *
     * @param batches contact batches written to the outbox
     * @param markers end markers written (one per finished window and partition)
     */
    public record Report(int windows, int contacts, int batches, int markers, boolean complete) {
    }

    private record DueWindow(String accountId, int partition, Instant regularDueAt, Instant firstEnableDueAt) {
        static DueWindow of(WindowScheduleEntity e) {
            return new DueWindow(e.key.accountId(), e.key.sourcePartition(), e.regularDueAt, e.firstEnableDueAt);
        }
    }

    private record PageResult(int rows, List<ContactState> released) {
    }

    /** A window whose contacts on one partition are all released: it still owes its end marker. */
    private record Released(WindowKind kind, Instant end) {
    }

    private static final class Tally {
        int windows;
        int contacts;
        int batches;
        int markers;
        int pagesLeft;

        Tally(int pageBudget) {
            pagesLeft = pageBudget;
        }

        Report report(boolean complete) {
            return new Report(windows, contacts, batches, markers, complete);
        }
    }

    public Report releaseDue(Set<Integer> partitions) {
        return releaseDue(partitions, Integer.MAX_VALUE);
    }

    /**
     * @param pageBudget stop after this many committed pages without finishing the window, exactly as a
     *                   process killed at that point would; tests use it to cut a release in half
     */
    public Report releaseDue(Set<Integer> partitions, int pageBudget) {
        Tally tally = new Tally(pageBudget);
        if (partitions.isEmpty()) {
            return tally.report(true);
        }
        Instant now = clock.instant();
        List<DueWindow> due = Blocking.await(() -> Panache.withSession(() -> schedules
                .findDue(partitions, now, config.release().dueWindowsPerTick())
                .map(list -> list.stream().map(DueWindow::of).toList())));
        for (DueWindow w : due) {
            List<Released> released = new ArrayList<>(2);
            // A regular window carries every pending contact, first-enable ones included.
            if (w.regularDueAt() != null && !w.regularDueAt().isAfter(now)) {
                if (!releaseWindow(w.accountId(), w.partition(), WindowKind.REGULAR, w.regularDueAt(), tally)) {
                    return tally.report(false);
                }
                released.add(new Released(WindowKind.REGULAR, w.regularDueAt()));
            }
            // Released even when the regular window above took all its contacts: other partitions counted this
            // one in the window's partition count while its due time equalled the end, so it owes a marker.
            if (w.firstEnableDueAt() != null && !w.firstEnableDueAt().isAfter(now)) {
                if (!releaseWindow(w.accountId(), w.partition(), WindowKind.FIRST_ENABLE, w.firstEnableDueAt(), tally)) {
                    return tally.report(false);
                }
                released.add(new Released(WindowKind.FIRST_ENABLE, w.firstEnableDueAt()));
            }
            Blocking.await(() -> Panache.withTransaction(() -> finish(w.accountId(), w.partition(), released)));
            tally.markers += released.size();
        }
        return tally.report(true);
    }

    /** @return false when the page budget ran out before the window was fully released */
    private boolean releaseWindow(String accountId, int partition, WindowKind kind, Instant end, Tally tally) {
        String windowId = WindowRules.windowId(accountId, kind, end);
        // Continues the numbering when an earlier run of this window stopped half way.
        int sequence = Blocking.await(() -> Panache.withSession(() -> outbox.nextSequence(windowId, partition)));
        tally.windows++;
        while (true) {
            if (tally.pagesLeft <= 0) {
                return false;
            }
            int seq = sequence;
            PageResult page = Blocking.await(() -> Panache.withTransaction(
                    () -> releasePage(accountId, partition, kind, end, windowId, seq)));
            if (page.rows() == 0) {
                return true;
            }
            tally.pagesLeft--;
            if (!page.released().isEmpty()) {
                sequence++;
                tally.batches++;
                tally.contacts += page.released().size();
                metrics.batchReleased();
                page.released().forEach(c -> metrics.released(c.change()));
                LOG.debugf("Released %s contacts of %s partition %s", (Object) page.released().size(), windowId, (Object) partition);
            }
        }
    }

    private Uni<PageResult> releasePage(String accountId, int partition, WindowKind kind, Instant end, String windowId,
            int sequence) {
        Instant now = clock.instant();
        return ledger.lockReleasablePage(accountId, partition, kind, end, config.release().batchSize()).chain(rows -> {
            List<ContactState> states = new ArrayList<>(rows.size());
            for (ContactLedgerEntity row : rows) {
                ContactLedger current = row.toLedger();
                MembershipState desired = current.desired();
                Optional<ChangeType> change = ReleaseRules.changeType(current.released(), desired);
                change.ifPresent(c -> states.add(new ContactState(row.key.email(), desired.inList(), desired.nostoSegment(),
                        desired.nostoSegments(), desired.version(), c)));
                row.apply(change.isPresent() ? current.afterRelease() : current.settled(), now);
            }
            if (states.isEmpty()) {
                return Uni.createFrom().item(new PageResult(rows.size(), states));
            }
            SyncBatch batch = new SyncBatch(SyncBatch.SCHEMA_VERSION, WindowRules.batchId(windowId, partition, sequence),
                    accountId, windowId, kind, sequence, end, now, List.copyOf(states), partition, false, null);
            return outbox.persist(outboxRow(batch)).replaceWith(new PageResult(rows.size(), states));
        });
    }

    /**
     * Ends the partition's part of each released window and recomputes its due times, in one transaction.
     *
     * <p>Why every partition a marker counts writes a marker of its own: the count takes the partitions whose
     * stored due time for the kind equals the window's end, and a partition's due time leaves that value (on
     * its own) only here, in the transaction that writes its marker for that window; the partitions that
     * already left it are counted through their outbox rows of the window. A count that includes a partition
     * therefore either saw its marker's transaction committed (outbox rows) or saw it still to come.
     *
     * <p>Where that fails (rare; the gateway falls back to a timeout, see docs/sync-worker.md): a late change
     * of an earlier first enable moves a partition's first-enable due time earlier before it released this
     * window; an SRE flush moves a partition's regular due time to now while the window is being released
     * elsewhere; a regular release that began before a first-enable end and takes that window's contacts
     * finishes after another partition counted it; a partition that receives the window's changes only after
     * the window was released elsewhere (the worker far behind) is counted only by its own, later marker.
     */
    private Uni<Void> finish(String accountId, int partition, List<Released> released) {
        // The schedule row lock first: a consumer storing a change for this partition waits for the markers
        // and the new due times to commit together.
        return schedules.findForUpdate(new WindowScheduleEntity.Key(accountId, partition)).chain(s -> {
            Uni<Void> markers = Uni.createFrom().voidItem();
            for (Released r : released) {
                markers = markers.chain(() -> writeMarker(accountId, partition, r.kind(), r.end()));
            }
            return markers.chain(() -> reschedule(s, accountId, partition));
        });
    }

    /** The partition's last batch of the window: no contacts, how many partitions release the window in all. */
    private Uni<Void> writeMarker(String accountId, int partition, WindowKind kind, Instant end) {
        String windowId = WindowRules.windowId(accountId, kind, end);
        Instant now = clock.instant();
        return outbox.nextSequence(windowId, partition)
                .chain(sequence -> outbox.windowPartitions(accountId, kind, end, windowId, partition).chain(n -> {
                    SyncBatch marker = new SyncBatch(SyncBatch.SCHEMA_VERSION, WindowRules.batchId(windowId, partition, sequence),
                            accountId, windowId, kind, sequence, end, now, List.of(), partition, true, n);
                    LOG.debugf("End of %s partition %s: %s partitions in all", windowId, (Object) partition, n);
                    return outbox.persist(outboxRow(marker)).replaceWithVoid();
                }));
    }

    private static OutboxBatchEntity outboxRow(SyncBatch batch) {
        OutboxBatchEntity row = new OutboxBatchEntity();
        row.batchId = batch.batchId();
        row.accountId = batch.accountId();
        row.windowId = batch.windowId();
        row.windowKind = batch.windowKind();
        row.sourcePartition = batch.sourcePartition();
        row.sequence = batch.sequence();
        row.contactCount = batch.contacts().size();
        row.payload = json(batch);
        row.createdAt = batch.createdAt();
        return row;
    }

    /**
     * Recomputes the partition's due times from what is still pending. Holding the schedule row lock
     * orders this against a consumer storing a new pending change: either this sees that change, or the
     * consumer runs after and schedules it itself.
     */
    private Uni<Void> reschedule(WindowScheduleEntity s, String accountId, int partition) {
        if (s == null) {
            return Uni.createFrom().voidItem();
        }
        Instant now = clock.instant();
        return ledger.countPending(accountId, partition).chain(pending -> ledger.earliestFirstEnable(accountId, partition)
                .chain(firstEnableSince -> accounts.anchor(accountId, now).invoke(anchor -> {
                    if (pending == 0) {
                        s.regularDueAt = null;
                    } else if (s.regularDueAt == null || !s.regularDueAt.isAfter(now)) {
                        s.regularDueAt = WindowRules.nextRegularEnd(anchor, config.windows().regular(), now);
                    }
                    s.firstEnableDueAt = firstEnableSince == null ? null
                            : WindowRules.firstEnableEnd(firstEnableSince, config.windows().firstEnable());
                }))).replaceWithVoid();
    }

    private static String json(SyncBatch batch) {
        try {
            return EventJson.mapper().writeValueAsString(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("SyncBatch is not serialisable", e);
        }
    }
}
