package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * The release loop: every tick, release the due windows of the source partitions this instance's consumer holds.
 * With N replicas each runs it for its own partitions ({@link PartitionOwnership}, the Kafka group's assignment),
 * so the releases split as the partitions do; while a rebalance lets two instances hold a partition, the
 * (account, partition) release lock keeps them from releasing the same window at once. It holds no schedule in
 * memory: every tick reads the due times from the database, so a restart, a new owner or the end of an outage
 * picks up exactly where the stored schedule and the outbox say (a window released half-way resumes). A failing
 * tick (database away) is reported to Outages and retried at the next one.
 */
@ApplicationScoped
public class ReleaseScheduler {

    /** The loop's name in readiness and in {@code nks_outage_*}. */
    public static final String LOOP = "window-release";
    static final String GAUGES = "pending-gauges";

    private final ReleaseService releases;
    private final PartitionOwnership ownership;
    private final LedgerRepository ledger;
    private final WorkerMetrics metrics;
    private final Loops loops;
    private final ScheduleRepository schedule;
    private final Duration overdueAfter;

    public ReleaseScheduler(ReleaseService releases, PartitionOwnership ownership, LedgerRepository ledger,
            WorkerMetrics metrics, Loops loops, ScheduleRepository schedule, SyncWorkerConfig config) {
        this.schedule = schedule;
        this.overdueAfter = config.release().overdueAfter();
        this.releases = releases;
        this.ownership = ownership;
        this.ledger = ledger;
        this.metrics = metrics;
        this.loops = loops;
    }

    @Scheduled(identity = LOOP, every = "${sync-worker.release.tick}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        loops.run(LOOP, () -> releases.releaseDue(ownership.owned()));
    }

    /**
     * Recounts the pending and overdue gauges (every replica exports the same account-wide counts: read them with max(),
     * not sum()).
     * Not every tick: a count walks the ledger's pending index, which at millions of pending contacts keeps PostgreSQL busy.
     */
    @Scheduled(identity = GAUGES, every = "${sync-worker.release.gauge-refresh}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshGauges() {
        loops.run(GAUGES, () -> {
            long[] counts = Reactive.await(() -> Panache.withSession(() -> ledger.countAllRegularPending()
                    .chain(regular -> ledger.countAllFirstEnablePending().map(fe -> new long[] {regular, fe}))));
            metrics.pending(counts[0], counts[1]);
            Instant now = Instant.now();
            ScheduleRepository.Overdue overdue = Reactive.await(() -> Panache.withSession(() -> schedule.overdue(now.minus(overdueAfter))));
            metrics.overdue(overdue.windows(), overdue.accounts(), overdue.earliestDue(), now);
        });
    }
}
