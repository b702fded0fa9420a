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
 * Heap holds one page at a time however many contacts wait. Blocking API: call it from a worker thread.
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

    /** What one call released. */
    public record Report(int windows, int contacts, int batches, boolean complete) {
    }

    private record DueWindow(String accountId, int partition, Instant regularDueAt, Instant firstEnableDueAt) {
        static DueWindow of(WindowScheduleEntity e) {
            return new DueWindow(e.key.accountId(), e.key.sourcePartition(), e.regularDueAt, e.firstEnableDueAt);
        }
    }

    private record PageResult(int rows, List<ContactState> released) {
    }

    private static final class Tally {
        int windows;
        int contacts;
        int batches;
        int pagesLeft;

        Tally(int pageBudget) {
            pagesLeft = pageBudget;
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
            return new Report(0, 0, 0, true);
        }
        Instant now = clock.instant();
        List<DueWindow> due = Blocking.await(() -> Panache.withSession(() -> schedules
                .findDue(partitions, now, config.release().dueWindowsPerTick())
                .map(list -> list.stream().map(DueWindow::of).toList())));
        for (DueWindow w : due) {
            // A regular window carries every pending contact, first-enable ones included.
            if (w.regularDueAt() != null && !w.regularDueAt().isAfter(now)
                    && !releaseWindow(w.accountId(), w.partition(), WindowKind.REGULAR, w.regularDueAt(), tally)) {
                return new Report(tally.windows, tally.contacts, tally.batches, false);
            }
            if (w.firstEnableDueAt() != null && !w.firstEnableDueAt().isAfter(now)
                    && !releaseWindow(w.accountId(), w.partition(), WindowKind.FIRST_ENABLE, w.firstEnableDueAt(), tally)) {
                return new Report(tally.windows, tally.contacts, tally.batches, false);
            }
            Blocking.await(() -> Panache.withTransaction(() -> reschedule(w.accountId(), w.partition())));
        }
        return new Report(tally.windows, tally.contacts, tally.batches, true);
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
                    accountId, windowId, kind, sequence, end, now, List.copyOf(states));
            OutboxBatchEntity row = new OutboxBatchEntity();
            row.batchId = batch.batchId();
            row.accountId = accountId;
            row.windowId = windowId;
            row.windowKind = kind;
            row.sourcePartition = partition;
            row.sequence = sequence;
            row.contactCount = states.size();
            row.payload = json(batch);
            row.createdAt = now;
            return outbox.persist(row).replaceWith(new PageResult(rows.size(), states));
        });
    }

    /**
     * Recomputes the partition's due times from what is still pending. Holding the schedule row lock
     * orders this against a consumer storing a new pending change: either this sees that change, or the
     * consumer runs after and schedules it itself.
     */
    private Uni<Void> reschedule(String accountId, int partition) {
        Instant now = clock.instant();
        return schedules.findForUpdate(new WindowScheduleEntity.Key(accountId, partition)).chain(s -> {
            if (s == null) {
                return Uni.createFrom().voidItem();
            }
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
        });
    }

    private static String json(SyncBatch batch) {
        try {
            return EventJson.mapper().writeValueAsString(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("SyncBatch is not serialisable", e);
        }
    }
}
