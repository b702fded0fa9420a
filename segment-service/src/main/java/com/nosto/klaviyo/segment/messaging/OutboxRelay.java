package com.nosto.klaviyo.segment.messaging;

import com.nosto.klaviyo.common.messaging.AdvisoryLocks;
import com.nosto.klaviyo.common.messaging.OutboxPublisher;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes the outbox's changes to {@code segment-membership-changes}, keyed by account|email, in id order (a row's
 * changes in their order). A round is ONE database transaction: take the relay's advisory lock
 * ({@code pg_try_advisory_xact_lock}), read the oldest rows, publish them ({@link OutboxPublisher}: the broker's
 * acknowledgements counted from the first), remove exactly the acknowledged prefix, commit.
 *
 * <p>Replicas: every replica runs the relay every {@code outbox.poll-interval}; the one whose round gets the lock
 * publishes, the others skip the round. So one publisher at a time, each contact's changes in order, and no row
 * published twice by two replicas. A publisher that dies loses the lock with its connection (the server releases it),
 * its round's removals roll back, and the next replica to try takes over where the last commit left off: the rows of
 * the dead round are published again (at least once; the copies carry the same eventId and version, and come after
 * the first copies in their partitions).
 */
@ApplicationScoped
public class OutboxRelay {

    static final String WORK = "outbox-relay";
    static final String LOCK = "segment-service/outbox-relay";

    /** Runs between "the broker acknowledged a round's records" and "its rows are removed", inside the round's transaction. */
    @FunctionalInterface
    interface AfterAcknowledged {
        void run(List<OutboxRepository.Pending> round) throws Exception;
    }

    private static final AfterAcknowledged NOTHING = round -> {
    };

    private final OutboxRepository outbox;
    private final Pool pool;
    private final MutinyEmitter<String> emitter;
    private final SegmentServiceConfig config;
    private final SegmentMetrics metrics;
    private final Outages outages;
    /** Held by a round in progress: pausing waits for it. */
    private final Semaphore round = new Semaphore(1);
    private volatile boolean paused;
    private volatile AfterAcknowledged afterAcknowledged = NOTHING;

    public OutboxRelay(OutboxRepository outbox, Pool pool, @Channel(Channels.MEMBERSHIP_CHANGES_OUT) MutinyEmitter<String> emitter,
            SegmentServiceConfig config, SegmentMetrics metrics, Outages outages) {
        this.outbox = outbox;
        this.pool = pool;
        this.emitter = emitter;
        this.config = config;
        this.metrics = metrics;
        this.outages = outages;
    }

    @Scheduled(identity = WORK, every = "${segment-service.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return drain()
                .invoke(() -> outages.recovered(WORK))
                .onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull();
    }

    /** The lag gauges' count, on every replica (a count over the outbox, so not every round). */
    @Scheduled(identity = WORK + "-backlog", every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> countBacklog() {
        return outbox.backlog().invoke(b -> metrics.outbox(b.changes(), b.oldest())).replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    /** Rounds until one publishes nothing (rounds take whole rows, so a short round may still leave rows). */
    public Uni<Void> drain() {
        return Multi.createBy().repeating().uni(() -> round()).whilst(published -> published > 0).collect().last().replaceWithVoid();
    }

    /**
     * One round in one transaction; the number of changes published (0 when paused, when another replica holds the
     * lock or when nothing waits). Fails when the broker did not acknowledge the whole round (the acknowledged prefix
     * is removed all the same) or the database failed (nothing is removed).
     */
    public Uni<Integer> round() {
        if (paused || !round.tryAcquire()) {
            return Uni.createFrom().item(0);
        }
        return Uni.createFrom().deferred(() -> paused ? Uni.createFrom().item(Published.NONE)
                        : pool.withTransaction(conn -> AdvisoryLocks.tryTransactionLock(conn, LOCK)
                                .chain(held -> held ? publish(conn) : Uni.createFrom().item(Published.NONE))))
                .eventually(() -> round.release())
                .chain(p -> p.acknowledged() == p.read() ? Uni.createFrom().item(p.acknowledged())
                        // The acknowledged prefix was removed with the commit; the rest goes in a later round, after it.
                        : Uni.createFrom().failure(new IllegalStateException("The broker acknowledged " + p.acknowledged()
                                + " of " + p.read() + " changes of a round")));
    }

    /** What a round read and how many of those, from the first, the broker acknowledged. */
    private record Published(int read, int acknowledged) {
        static final Published NONE = new Published(0, 0);
    }

    private Uni<Published> publish(SqlConnection conn) {
        return outbox.oldest(conn, config.outbox().batchSize()).chain(rows -> {
            if (rows.isEmpty()) {
                metrics.outboxOldest(null);
                return Uni.createFrom().item(Published.NONE);
            }
            metrics.outboxOldest(rows.get(0).createdAt());
            return OutboxPublisher.publish(emitter, rows, OutboxRepository.Pending::key, OutboxRepository.Pending::payload,
                            OutboxRepository.Pending::trace, config.outbox().publishTimeout())
                    .call(acknowledged -> {
                        if (acknowledged == rows.size()) {
                            try {
                                afterAcknowledged.run(rows);
                            } catch (Exception e) {
                                return Uni.createFrom().failure(e);
                            }
                        }
                        return outbox.remove(conn, rows, acknowledged);
                    })
                    .invoke(metrics::published)
                    .map(acknowledged -> new Published(rows.size(), acknowledged));
        });
    }

    /** Stops publishing; returns once a round in progress has finished (nothing is published after it returns). */
    public void pause() {
        paused = true;
        round.acquireUninterruptibly();
        round.release();
    }

    public void resume() {
        paused = false;
    }

    /**
     * Fault-injection seam for tests in this package: {@code step} runs after a round's records were all acknowledged
     * by the broker and before its rows are removed; if it throws, the round's transaction rolls back there, as if
     * the process had died at that point. {@code null} restores the normal relay.
     */
    void afterAcknowledged(AfterAcknowledged step) {
        afterAcknowledged = step == null ? NOTHING : step;
    }
}
