package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.messaging.Channels;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Publishes outbox rows to {@code klaviyo-sync-batches}, keyed by account. At least once: a crash
 * between the broker's ack and "mark published" re-publishes the same batch id after the lease, which
 * the gateway recognises (G8). Claims are leases, so two instances do not publish the same row at once.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final int MAX_ROUNDS = 20;

    @Inject
    OutboxRepository outbox;
    @Inject
    @Channel(Channels.SYNC_BATCHES)
    MutinyEmitter<String> emitter;
    @Inject
    Clock clock;
    @Inject
    SyncWorkerConfig config;
    @Inject
    WorkerMetrics metrics;

    private record Claimed(long id, String accountId, String payload) {
    }

    /**
     * Publishes what is waiting; returns how many batches went out. Blocking: call from a worker thread.
     *
     * <p>A round's rows are all sent before any acknowledgement is awaited (the producer batches them; one
     * account's rows share a partition and keep their order), then marked published in one statement. Sending
     * and marking row by row cost a broker round trip and a transaction per SyncBatch: a released window waited
     * seconds to reach the topic. Rows whose send failed stay claimed until the lease ends and go out again then.
     */
    public int relayOnce() {
        int published = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Instant now = clock.instant();
            Instant leaseEnd = now.plus(config.outbox().lease());
            List<Claimed> claimed = Blocking.await(() -> Panache.withTransaction(() -> outbox
                    .lockClaimable(now, config.outbox().relayBatch())
                    .map(rows -> rows.stream().map(r -> {
                        r.claimedUntil = leaseEnd;
                        return new Claimed(r.id, r.accountId, r.payload);
                    }).toList())));
            if (claimed.isEmpty()) {
                break;
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>(claimed.size());
            for (Claimed c : claimed) {
                acks.add(emitter.sendMessage(Message.of(c.payload())
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(c.accountId()).build()))
                        .subscribeAsCompletionStage());
            }
            awaitAll(acks, config.outbox().lease().dividedBy(2));
            List<Long> acked = new ArrayList<>(claimed.size());
            for (int i = 0; i < claimed.size(); i++) {
                if (acks.get(i).isDone() && !acks.get(i).isCompletedExceptionally()) {
                    acked.add(claimed.get(i).id());
                }
            }
            if (!acked.isEmpty()) {
                Instant at = clock.instant();
                Blocking.await(() -> Panache.withTransaction(() -> outbox.markPublished(acked, at)));
                acked.forEach(id -> metrics.batchPublished());
                published += acked.size();
            }
            if (acked.size() < claimed.size()) {
                throw new IllegalStateException((claimed.size() - acked.size()) + " of " + claimed.size()
                        + " SyncBatches not acknowledged by the broker; they go out again after their lease");
            }
        }
        return published;
    }

    private static void awaitAll(List<CompletableFuture<Void>> acks, Duration timeout) {
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            // Some sends failed or are still waiting: the caller marks only the acknowledged ones.
        }
    }

    public long purgePublished() {
        Instant cutoff = clock.instant().minus(config.outbox().retention());
        return Blocking.await(() -> Panache.withTransaction(() -> outbox.purgePublishedBefore(cutoff)));
    }
}
