package com.nosto.klaviyo.gateway.messaging;

import com.nosto.klaviyo.common.messaging.DeadLetters;
import com.nosto.klaviyo.common.messaging.PollAcknowledgement;
import com.nosto.klaviyo.common.outage.Failures;
import com.nosto.klaviyo.common.outage.InvalidRecordException;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.service.InboxService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Adapter only: reads {@code klaviyo-sync-batches} a poll at a time, dead-letters each record that is not a valid
 * SyncBatch (G11), stores the valid ones in the inbox in one transaction, and acknowledges the poll right after the
 * commit: Kafka offsets never wait for Klaviyo. While the database is away the poll is held and retried
 * ({@link Outages#untilDone}: readiness DOWN, nothing dead-lettered); a store that fails for a record's own sake falls
 * back to one transaction per record, and only that record is dead-lettered. Every replica consumes its partitions.
 */
@ApplicationScoped
public class SyncBatchConsumer {

    static final String SERVICE = "klaviyo-gateway";
    private static final Logger LOG = Logger.getLogger(SyncBatchConsumer.class);
    private static final int MAX_ID = 512;
    private static final int MAX_ACCOUNT_ID = 64;

    private final InboxService inbox;
    private final DeadLetters deadLetters;
    private final Outages outages;
    private final GatewayMetrics metrics;
    private final Tracing tracing;

    public SyncBatchConsumer(InboxService inbox, @Channel(Channels.SYNC_BATCHES_DLQ) MutinyEmitter<String> dlq, Outages outages,
            GatewayMetrics metrics, Tracing tracing) {
        this.tracing = tracing;
        this.inbox = inbox;
        this.deadLetters = new DeadLetters(SERVICE, dlq, outages, Clock.systemUTC());
        this.outages = outages;
        this.metrics = metrics;
    }

    /** A valid batch, its record and the trace context it arrived with (kept in the inbox for the chunk's span). */
    private record Valid(ConsumerRecord<String, String> record, SyncBatch batch, String trace) {
    }

    @Incoming(Channels.SYNC_BATCHES_IN)
    public Uni<Void> consume(KafkaRecordBatch<String, String> poll) {
        return PollAcknowledgement.applyThenSettle(poll, this::store, LOG).invoke(inbox::stored);
    }

    private Uni<Void> store(List<ConsumerRecord<String, String>> records) {
        List<Valid> valid = new ArrayList<>();
        List<Uni<Void>> rejected = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            try {
                valid.add(new Valid(r, parse(r.value()), tracing.of(r)));
            } catch (InvalidRecordException e) {
                metrics.malformed();
                rejected.add(deadLetters.send(r, e.errorType(), e.getMessage()));
            }
        }
        return Multi.createFrom().iterable(rejected).onItem().transformToUniAndConcatenate(u -> u).collect().asList()
                .chain(() -> valid.isEmpty() ? Uni.createFrom().voidItem()
                        : outages.untilDone(Channels.SYNC_BATCHES_IN, () -> storeAll(valid)));
    }

    /** The whole poll in one transaction; a failure for a record's own sake isolates the record instead. */
    private Uni<Void> storeAll(List<Valid> valid) {
        return Uni.createFrom().deferred(() -> inbox.store(valid.stream().map(Valid::batch).toList(),
                        valid.stream().map(v -> v.record().value()).toList(), traces(valid)))
                .replaceWithVoid()
                .onFailure(Failures::isRecordProblem).recoverWithUni(e -> Multi.createFrom().iterable(valid)
                        .onItem().transformToUniAndConcatenate(this::storeOne).collect().asList().replaceWithVoid());
    }

    private Uni<Void> storeOne(Valid v) {
        return outages.untilDone(Channels.SYNC_BATCHES_IN, () -> inbox.store(List.of(v.batch()), List.of(v.record().value()), traces(List.of(v)))
                .replaceWithVoid()
                .onFailure(Failures::isRecordProblem).recoverWithUni(e -> {
                    metrics.malformed();
                    return deadLetters.send(v.record(), "UNSTORABLE_BATCH", "the batch cannot be stored: " + Failures.describe(e));
                }));
    }

    /** The batches' trace contexts, or null when tracing is off (nothing is stored then). */
    private List<String> traces(List<Valid> valid) {
        return tracing.enabled() ? valid.stream().map(Valid::trace).toList() : null;
    }

    /** A valid SyncBatch, or {@link InvalidRecordException} saying why not (G11). */
    static SyncBatch parse(String payload) {
        if (payload == null || payload.isBlank()) {
            throw new InvalidRecordException("MALFORMED_BATCH", "empty record");
        }
        SyncBatch batch;
        try {
            batch = EventJson.read(payload, SyncBatch.class);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("MALFORMED_BATCH", "not a SyncBatch JSON object: " + e.getMessage());
        }
        if (batch == null) {
            throw new InvalidRecordException("MALFORMED_BATCH", "null record");
        }
        if (batch.schemaVersion() != SyncBatch.SCHEMA_VERSION) {
            throw new InvalidRecordException("INVALID_BATCH", "unsupported schemaVersion " + batch.schemaVersion() + " (expected "
                    + SyncBatch.SCHEMA_VERSION + ")");
        }
        if (blank(batch.batchId()) || blank(batch.accountId()) || blank(batch.windowId())) {
            throw new InvalidRecordException("INVALID_BATCH", "batchId, accountId and windowId are required");
        }
        if (batch.batchId().length() > MAX_ID || batch.windowId().length() > MAX_ID || batch.accountId().length() > MAX_ACCOUNT_ID) {
            throw new InvalidRecordException("INVALID_BATCH", "batchId and windowId are at most " + MAX_ID + " characters, accountId "
                    + MAX_ACCOUNT_ID);
        }
        if (batch.contacts() == null) {
            throw new InvalidRecordException("INVALID_BATCH", "contacts is required (may be empty)");
        }
        return batch;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
