package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.common.tracing.Traceparent;
import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.domain.ContactLedger;
import com.nosto.klaviyo.worker.domain.ReleaseRules;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import com.nosto.klaviyo.worker.repository.entity.ContactLedgerEntity;
import com.nosto.klaviyo.worker.repository.entity.WindowScheduleEntity;
import io.opentelemetry.api.trace.Span;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Releases the due windows of the given source partitions. Each page of contacts is one transaction: take the
 * (account, partition) release lock, lock up to batch-size pending rows, mark them released and write their
 * SyncBatch to the outbox with the next sequence of the window's partition. Heap holds one page at a time however
 * many contacts wait. When a partition's due windows have no page left, {@link WindowEnds} writes their end markers
 * and recomputes the partition's due times. A page whose lock another instance holds (both think they own the
 * partition during a rebalance) leaves the window to that instance. Blocking: call it from a worker thread.
 *
 * <p>With tracing on, each page's batch gets a span of its own ({@code sync-worker release}) linked to the trace
 * contexts of the changes it carries (at most {@link Tracing#MAX_LINKS}); the batch is published in that span's trace.
 */
@ApplicationScoped
public class ReleaseService {

    private static final Logger LOG = Logger.getLogger(ReleaseService.class);

    private final LedgerRepository ledger;
    private final ScheduleRepository schedules;
    private final OutboxRepository outbox;
    private final WindowEnds ends;
    private final Clock clock;
    private final SyncWorkerConfig config;
    private final WorkerMetrics metrics;
    private final Tracing tracing;

    public ReleaseService(LedgerRepository ledger, ScheduleRepository schedules, OutboxRepository outbox, WindowEnds ends,
            Clock clock, SyncWorkerConfig config, WorkerMetrics metrics, Tracing tracing) {
        this.tracing = tracing;
        this.ledger = ledger;
        this.schedules = schedules;
        this.outbox = outbox;
        this.ends = ends;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * What one call released.
     *
     * @param batches contact batches written to the outbox
     * @param markers end markers written (one per finished window and partition)
     * @param complete false when the page budget ran out in the middle of a window
     */
    public record Report(int windows, int contacts, int batches, int markers, boolean complete) {
    }

    private record DueWindow(String accountId, int partition, Instant regularDueAt, Instant firstEnableDueAt) {
        static DueWindow of(WindowScheduleEntity e) {
            return new DueWindow(e.key.accountId(), e.key.sourcePartition(), e.regularDueAt, e.firstEnableDueAt);
        }
    }

    /** One page: how many rows it locked and what it released; {@code null} rows when another instance holds the lock. */
    private record Page(Integer rows, List<ContactState> released) {
        static final Page BUSY = new Page(null, List.of());
    }

    private enum Outcome { DONE, MORE, BUSY, OUT_OF_BUDGET }

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
        int limit = config.release().dueWindowsPerTick();
        List<DueWindow> due = Reactive.await(() -> Panache.withSession(() -> schedules
                .findDue(partitions, now, limit).map(list -> list.stream().map(DueWindow::of).toList())));
        // Round robin, one page per turn: every due (account, partition) gets a page before any gets a second one, so
        // the small windows due at the same tick as a large one (an account with 100,000 contacts, a first enable of a
        // large segment) are released, and ended, without waiting for all its pages (benchmark figure 7). When more
        // windows are due than a tick reads, each gets one page this tick and continues at the next (a window released
        // half-way resumes), so the windows the next tick reads do not wait for the large one either.
        boolean othersWait = due.size() >= limit;
        Deque<Turn> turns = new ArrayDeque<>();
        for (DueWindow w : due) {
            // A regular window carries every pending contact, first-enable ones included. A first-enable window the
            // regular one emptied is still released: other partitions counted this one in its partition count.
            List<WindowEnds.Window> dueNow = new ArrayList<>(2);
            if (w.regularDueAt() != null && !w.regularDueAt().isAfter(now)) {
                dueNow.add(new WindowEnds.Window(WindowKind.REGULAR, w.regularDueAt()));
            }
            if (w.firstEnableDueAt() != null && !w.firstEnableDueAt().isAfter(now)) {
                dueNow.add(new WindowEnds.Window(WindowKind.FIRST_ENABLE, w.firstEnableDueAt()));
            }
            turns.add(new Turn(w, dueNow));
        }
        while (!turns.isEmpty()) {
            Turn turn = turns.poll();
            Outcome outcome = turn.done() ? Outcome.DONE : releaseNextPage(turn, tally);
            if (outcome == Outcome.OUT_OF_BUDGET) {
                return tally.report(false);
            }
            if (outcome == Outcome.MORE) {
                if (!othersWait || turn.pagesThisTick == 0) {
                    turns.add(turn);
                }
            } else if (outcome == Outcome.DONE) {
                DueWindow w = turn.due;
                tally.markers += Reactive.await(() -> Panache.withTransaction(() -> ends.finish(w.accountId(), w.partition(),
                        turn.released)));
            }
            // BUSY: another instance holds the (account, partition) release lock; the window is left to it.
        }
        return tally.report(true);
    }

    /** One due (account, partition) in the round robin: its due windows in order, the one being released, its tally. */
    private static final class Turn {
        final DueWindow due;
        final List<WindowEnds.Window> windows;
        final List<WindowEnds.Window> released = new ArrayList<>(2);
        int current;
        int pagesThisTick;
        int batches;
        int contacts;
        boolean counted;

        Turn(DueWindow due, List<WindowEnds.Window> windows) {
            this.due = due;
            this.windows = windows;
        }

        boolean done() {
            return current >= windows.size();
        }
    }

    /**
     * One page of the turn's current window: MORE when a page was released (or the window ended and another kind is
     * due), DONE when its last window had no page left.
     */
    private Outcome releaseNextPage(Turn turn, Tally tally) {
        WindowEnds.Window window = turn.windows.get(turn.current);
        String windowId = WindowRules.windowId(turn.due.accountId(), window.kind(), window.end());
        try (LogContext ignored = LogContext.account(turn.due.accountId()).window(windowId)) {
            return releaseNextPage(turn, window, windowId, tally);
        }
    }

    /** On this (worker) thread throughout, so the log context holds for every line it logs. */
    private Outcome releaseNextPage(Turn turn, WindowEnds.Window window, String windowId, Tally tally) {
        String accountId = turn.due.accountId();
        int partition = turn.due.partition();
        if (!turn.counted) {
            tally.windows++;
            turn.counted = true;
        }
        if (tally.pagesLeft <= 0) {
            return Outcome.OUT_OF_BUDGET;
        }
        Page page = Reactive.await(() -> Panache.withTransaction(() -> releasePage(accountId, partition, window, windowId)));
        if (page.rows() == null) {
            LOG.debugf("Window %s partition %s is being released by another instance", windowId, partition);
            return Outcome.BUSY;
        }
        if (page.rows() == 0) {
            if (turn.batches > 0) {
                LOG.infof("Window %s partition %d released: %d batch(es), %d contact(s)", windowId, partition, turn.batches,
                        turn.contacts);
            }
            turn.released.add(window);
            turn.current++;
            turn.batches = 0;
            turn.contacts = 0;
            turn.counted = false;
            return turn.done() ? Outcome.DONE : Outcome.MORE;
        }
        tally.pagesLeft--;
        turn.pagesThisTick++;
        if (!page.released().isEmpty()) {
            turn.batches++;
            turn.contacts += page.released().size();
            tally.batches++;
            tally.contacts += page.released().size();
            metrics.batchReleased();
            page.released().forEach(c -> metrics.released(c.change()));
        }
        return Outcome.MORE;
    }

    /**
     * One page in one transaction. Released rows stop matching, so every page is "the first page" again. The batch's
     * sequence is read under the release lock, so a page of another instance can never take the same number.
     */
    private Uni<Page> releasePage(String accountId, int partition, WindowEnds.Window window, String windowId) {
        Instant now = clock.instant();
        return schedules.tryLockRelease(accountId, partition).chain(locked -> !locked ? Uni.createFrom().item(Page.BUSY)
                : ledger.lockReleasablePage(accountId, partition, window.kind(), window.end(), config.release().batchSize())
                .chain(rows -> {
                    List<ContactState> states = new ArrayList<>(rows.size());
                    List<String> traces = new ArrayList<>();
                    for (ContactLedgerEntity row : rows) {
                        ContactLedger current = row.toLedger();
                        Optional<ContactState> state = ReleaseRules.release(row.key.email(), current);
                        state.ifPresent(states::add);
                        if (state.isPresent() && row.trace != null) {
                            traces.add(row.trace);
                        }
                        row.apply(state.isPresent() ? current.afterRelease() : current.settled(), now);
                    }
                    Page page = new Page(rows.size(), states);
                    if (states.isEmpty()) {
                        return Uni.createFrom().item(page);
                    }
                    return outbox.nextSequence(windowId, partition).chain(sequence -> {
                        SyncBatch batch = SyncBatch.contacts(WindowRules.batchId(windowId, partition, sequence), accountId,
                                windowId, window.kind(), sequence, window.end(), now, states, partition);
                        Span span = tracing.start("sync-worker release", null, traces)
                                .setAttribute("nks.account_id", accountId).setAttribute("nks.window_id", windowId)
                                .setAttribute("nks.batch_id", batch.batchId()).setAttribute("nks.contacts", states.size());
                        return outbox.append(batch, Traceparent.of(span)).eventually(() -> span.end());
                    }).replaceWith(page);
                }));
    }
}
