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
import java.time.Instant;
import java.util.List;
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

    /** Publishes what is waiting; returns how many batches went out. Blocking: call from a worker thread. */
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
            for (Claimed c : claimed) {
                emitter.sendMessageAndAwait(Message.of(c.payload())
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(c.accountId()).build()));
                Blocking.await(() -> Panache.withTransaction(() -> outbox.markPublished(c.id(), clock.instant())));
                metrics.batchPublished();
                published++;
            }
        }
        return published;
    }

    public long purgePublished() {
        Instant cutoff = clock.instant().minus(config.outbox().retention());
        return Blocking.await(() -> Panache.withTransaction(() -> outbox.purgePublishedBefore(cutoff)));
    }
}
