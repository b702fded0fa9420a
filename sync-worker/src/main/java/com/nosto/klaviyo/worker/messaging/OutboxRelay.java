package com.nosto.klaviyo.worker.messaging;

import com.nosto.klaviyo.common.messaging.AdvisoryLocks;
import com.nosto.klaviyo.common.messaging.OutboxPublisher;
import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.repository.OutboxRepository.Unpublished;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.service.Loops;
import com.nosto.klaviyo.worker.service.WorkerMetrics;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes the outbox to {@code klaviyo-sync-batches}, keyed by account. Every replica runs the loop, but one
 * relay publishes at a time across all of them: each round's transaction takes an advisory lock
 * ({@link AdvisoryLocks}), reads the oldest unpublished rows in id order, publishes them ({@link OutboxPublisher})
 * and marks the acknowledged prefix published before it commits; a replica that does not get the lock skips the
 * round, and a dead holder's lock goes with its connection. So an account's batches reach the topic in the order
 * they were written (a window-partition's end marker never before its batches). At least once: a crash between the
 * broker's ack and the commit publishes the same batch ids again at the next round, which the gateway recognises (G8).
 */
@ApplicationScoped
public class OutboxRelay {

    /** The loop's name in readiness and in {@code nks_outage_*}. */
    public static final String LOOP = "outbox-relay";
    static final String PURGE = "outbox-purge";
    private static final String LOCK = "sync-worker/outbox-relay";

    private final Pool pool;
    private final OutboxRepository outbox;
    private final MutinyEmitter<String> emitter;
    private final Clock clock;
    private final SyncWorkerConfig config;
    private final WorkerMetrics metrics;
    private final Loops loops;

    public OutboxRelay(Pool pool, OutboxRepository outbox, @Channel(Channels.KLAVIYO_SYNC_BATCHES_OUT) MutinyEmitter<String> emitter,
            Clock clock, SyncWorkerConfig config, WorkerMetrics metrics, Loops loops) {
        this.pool = pool;
        this.outbox = outbox;
        this.emitter = emitter;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
        this.loops = loops;
    }

    /** @param locked whether this round held the relay lock; {@code read} rows read, {@code published} of them acknowledged */
    private record Round(boolean locked, int read, int published) {
    }

    @Scheduled(identity = LOOP, every = "${sync-worker.release.tick}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        loops.run(LOOP, this::relayOnce);
    }

    /** Any replica may purge: deleting published rows is idempotent. A bounded batch per transaction. */
    @Scheduled(identity = PURGE, every = "1h", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purge() {
        loops.run(PURGE, this::purgePublished);
    }

    /** Deletes every outbox row published longer than {@code outbox.retention} ago; returns how many. Blocking. */
    public long purgePublished() {
        Instant cutoff = clock.instant().minus(config.outbox().retention());
        int size = config.retention().purgeBatchSize();
        long total = 0;
        int n;
        do {
            n = Reactive.await(() -> Panache.withTransaction(() -> outbox.purgePublishedBefore(cutoff, size)));
            total += n;
        } while (n == size);
        return total;
    }

    /**
     * Publishes what waits, round after round, while this instance gets the lock. Blocking: call from a worker thread.
     *
     * @return how many batches went out (0 when another instance holds the lock)
     * @throws IllegalStateException when the broker did not acknowledge a round's rows (they go out at the next round)
     */
    public int relayOnce() {
        int published = 0;
        while (true) {
            Round round = Reactive.await(this::round);
            published += round.published();
            if (round.published() < round.read()) {
                throw new IllegalStateException((round.read() - round.published()) + " of " + round.read()
                        + " SyncBatches not acknowledged by the broker; they go out again at the next round");
            }
            if (!round.locked() || round.read() < config.outbox().relayBatch()) {
                return published;
            }
        }
    }

    private Uni<Round> round() {
        return pool.withTransaction(conn -> AdvisoryLocks.tryTransactionLock(conn, LOCK).chain(locked -> !locked
                ? Uni.createFrom().item(new Round(false, 0, 0))
                : outbox.unpublished(conn, config.outbox().relayBatch()).chain(rows -> OutboxPublisher
                        .publish(emitter, rows, Unpublished::accountId, Unpublished::payload, Unpublished::trace,
                                config.outbox().sendTimeout())
                        .chain(acked -> {
                            Round round = new Round(true, rows.size(), acked);
                            if (acked == 0) {
                                return Uni.createFrom().item(round);
                            }
                            List<Long> ids = rows.subList(0, acked).stream().map(Unpublished::id).toList();
                            return outbox.markPublished(conn, ids, clock.instant())
                                    .invoke(() -> metrics.batchesPublished(acked)).replaceWith(round);
                        }))));
    }
}
