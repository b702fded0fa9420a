package com.nosto.klaviyo.gateway.messaging;

import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Adapter only: reads {@code klaviyo-sync-batches}, rejects malformed records to the DLQ as a
 * {@link DeadLetter} with a reason (G11), and hands valid batches to {@link WindowGrouper}, which applies
 * each window's batches as one. A record is acknowledged only once its batch is applied, parked or
 * dead-lettered, so nothing accepted is lost.
 */
@ApplicationScoped
public class SyncBatchConsumer {

    public static final String CHANNEL = "sync-batches-in";
    public static final String DEAD_LETTER_CHANNEL = "sync-batches-dead-letters";
    static final String SERVICE = "klaviyo-gateway";
    private static final Logger LOG = Logger.getLogger(SyncBatchConsumer.class);

    private final WindowGrouper windows;
    private final MutinyEmitter<String> deadLetters;
    private final MeterRegistry metrics;

    public SyncBatchConsumer(WindowGrouper windows, @Channel(DEAD_LETTER_CHANNEL) MutinyEmitter<String> deadLetters,
            MeterRegistry metrics) {
        this.windows = windows;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    /**
     * Completes as soon as the batch is held (the record stays unacknowledged until its window's group is
     * done), so the next records of the window keep arriving while it is collected.
     */
    @Incoming(CHANNEL)
    public Uni<Void> consume(Message<String> message) {
        String payload = message.getPayload();
        SyncBatch batch;
        try {
            batch = parse(payload);
        } catch (IllegalArgumentException e) {
            metrics.counter("gateway.batches.malformed").increment();
            return deadLetter(message, e.getMessage(), e)
                    .chain(() -> Uni.createFrom().completionStage(message.ack()))
                    .onFailure().recoverWithUni(x -> {
                        LOG.errorf(x, "Dead-lettering a malformed record failed");
                        return Uni.createFrom().completionStage(message.nack(x));
                    });
        }
        return windows.add(batch, payload, message);
    }

    static SyncBatch parse(String payload) {
        if (payload == null || payload.isBlank()) {
            throw new IllegalArgumentException("empty record");
        }
        SyncBatch batch;
        try {
            batch = EventJson.mapper().readValue(payload, SyncBatch.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a SyncBatch JSON object: " + firstLine(e.getMessage()));
        }
        if (batch == null) {
            throw new IllegalArgumentException("null record");
        }
        if (batch.schemaVersion() != SyncBatch.SCHEMA_VERSION) {
            throw new IllegalArgumentException("unsupported schemaVersion " + batch.schemaVersion() + " (expected "
                    + SyncBatch.SCHEMA_VERSION + ")");
        }
        if (blank(batch.batchId()) || blank(batch.accountId()) || blank(batch.windowId())) {
            throw new IllegalArgumentException("batchId, accountId and windowId are required");
        }
        if (batch.contacts() == null) {
            throw new IllegalArgumentException("contacts is required (may be empty)");
        }
        return batch;
    }

    private Uni<Void> deadLetter(Message<String> message, String reason, Exception e) {
        var meta = message.getMetadata(IncomingKafkaRecordMetadata.class);
        String key = meta.map(m -> m.getKey() == null ? null : String.valueOf(m.getKey())).orElse(null);
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION, SERVICE, meta.map(IncomingKafkaRecordMetadata::getTopic).orElse(null),
                meta.map(IncomingKafkaRecordMetadata::getPartition).orElse(null), meta.map(IncomingKafkaRecordMetadata::getOffset).orElse(null),
                key, message.getPayload(), reason, e.getClass().getSimpleName(), Instant.now());
        String json;
        try {
            json = EventJson.mapper().writeValueAsString(letter);
        } catch (Exception ex) {
            return Uni.createFrom().failure(ex);
        }
        LOG.warnf("Dead-lettered a record from %s: %s", letter.sourceTopic(), reason);
        Message<String> out = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
        return deadLetters.sendMessage(out);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
