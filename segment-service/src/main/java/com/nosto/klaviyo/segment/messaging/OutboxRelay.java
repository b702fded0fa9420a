package com.nosto.klaviyo.segment.messaging;

import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Publishes the outbox's changes to {@code segment-membership-changes} in id order (a row's changes in
 * their order), keyed by account|email, and deletes their rows only after the broker acknowledged every
 * record of the round. A crash in between re-publishes the round (at least once; consumers dedupe by
 * eventId and version); the idempotent producer keeps one contact's records in order within its partition.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    @Inject
    OutboxRepository outbox;
    @Inject
    SegmentServiceConfig config;
    @Inject
    SegmentMetrics metrics;
    @Inject
    @Channel(Channels.MEMBERSHIP_CHANGES_OUT)
    Emitter<String> emitter;

    /** Runs between "the broker acknowledged every record of a round" and "its rows are deleted". */
    @FunctionalInterface
    interface AfterAcknowledged {
        void run(List<OutboxRepository.Pending> round) throws Exception;
    }

    private static final AfterAcknowledged NOTHING = round -> {
    };
    private static final long BACKLOG_EVERY_MILLIS = 5_000;

    private final ReentrantLock round = new ReentrantLock();
    private volatile boolean paused;
    private volatile AfterAcknowledged afterAcknowledged = NOTHING;
    private long backlogCountedAt;
    private ScheduledExecutorService executor;

    void start(@Observes StartupEvent ignored) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "outbox-relay"));
        long every = config.outbox().pollInterval().toMillis();
        executor.scheduleWithFixedDelay(this::drainSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Stops publishing; returns once a round in progress has finished (nothing is published after it returns). */
    public void pause() {
        paused = true;
        round.lock();
        round.unlock();
    }

    public void resume() {
        paused = false;
    }

    public boolean isPaused() {
        return paused;
    }

    /**
     * Fault-injection seam for tests in this package: {@code step} runs after a round's records were all
     * acknowledged by the broker and before its rows are deleted; if it throws, the round fails there, as
     * if the process had died at that point. {@code null} restores the normal relay.
     */
    void afterAcknowledged(AfterAcknowledged step) {
        afterAcknowledged = step == null ? NOTHING : step;
    }

    private void drainSafely() {
        try {
            do {
                // at most every few seconds, also during a long drain
                countBacklog();
                // rounds take whole rows, so a round short of the batch size may still leave rows: drain until empty
            } while (!paused && drainOnce() > 0);
        } catch (Throwable e) {
            // Nothing was deleted for an unacknowledged round; the next poll publishes it again.
            if (!executor.isShutdown()) {
                LOG.warn("Outbox relay round failed; will retry", e);
            }
        }
    }

    /** Refreshes the lag gauges' row count, at most every few seconds (it is a count over the outbox). */
    private void countBacklog() {
        long now = System.currentTimeMillis();
        if (now - backlogCountedAt < BACKLOG_EVERY_MILLIS) {
            return;
        }
        backlogCountedAt = now;
        OutboxRepository.Backlog backlog = outbox.backlog().await().atMost(config.outbox().publishTimeout());
        metrics.outbox(backlog.rows(), backlog.oldest());
    }

    /** One round: read, publish, await acks, delete. Returns how many changes were published. */
    int drainOnce() {
        round.lock();
        try {
            if (paused) {
                return 0;
            }
            Duration timeout = config.outbox().publishTimeout();
            List<OutboxRepository.Pending> rows = outbox.oldest(config.outbox().batchSize()).await().atMost(timeout);
            if (rows.isEmpty()) {
                metrics.outbox(0, null);
                return 0;
            }
            metrics.outboxOldest(rows.get(0).createdAt());
            List<CompletableFuture<Void>> acks = new ArrayList<>(rows.size());
            for (OutboxRepository.Pending row : rows) {
                CompletableFuture<Void> ack = new CompletableFuture<>();
                acks.add(ack);
                OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder().withKey(row.key()).build();
                emitter.send(Message.of(row.payload(), Metadata.of(key), () -> {
                    ack.complete(null);
                    return CompletableFuture.completedFuture(null);
                }, failure -> {
                    ack.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            afterAcknowledged.run(rows);
            outbox.delete(rows.stream().map(OutboxRepository.Pending::id).toList()).await().atMost(timeout);
            metrics.published(rows.size());
            return rows.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("Outbox round not acknowledged", e);
        } finally {
            round.unlock();
        }
    }
}
