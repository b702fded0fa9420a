package com.nosto.klaviyo.segment.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.common.messaging.PollAcknowledgement;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.domain.EventReader;
import com.nosto.klaviyo.segment.domain.EventValidator;
import com.nosto.klaviyo.segment.service.SegmentEventIngest;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Consumes {@code segment-events} one Kafka poll at a time (the channel runs in batch mode,
 * {@code max.poll.records} records at most). Values are read as text and parsed here, so malformed
 * JSON, wrong types and rule violations become a {@link DeadLetter} each, with the reason (G11), instead
 * of a deserializer failure, and the rest of the poll goes on. The poll's valid events are applied in
 * ONE transaction, in record order ({@code SegmentEventIngest#applyAll}). If that transaction fails, the
 * poll falls back to one transaction per event, so a single event that cannot be stored is isolated: it
 * is dead-lettered ({@code PROCESSING_FAILED}, with the failure as reason) after its retries, and every
 * other event is stored. The poll is acknowledged (its offsets become committable) only after its events
 * are stored and its dead letters written; if a dead letter cannot be written the poll is nacked and the
 * channel's dead-letter-queue strategy forwards its records.
 */
@ApplicationScoped
public class SegmentEventConsumer {

    private static final Logger LOG = Logger.getLogger(SegmentEventConsumer.class);
    static final String SERVICE = "segment-service";
    /** DeadLetter errorType of a valid event that could not be stored, even in a transaction of its own. */
    public static final String PROCESSING_FAILED = "PROCESSING_FAILED";

    @Inject
    SegmentEventIngest ingest;
    @Inject
    SegmentMetrics metrics;

    @Inject
    @Channel(Channels.SEGMENT_EVENTS_DLQ_OUT)
    MutinyEmitter<String> deadLetters;

    @Incoming(Channels.SEGMENT_EVENTS_IN)
    public Uni<Void> consume(KafkaRecordBatch<String, String> batch) {
        return PollAcknowledgement.applyThenSettle(batch, this::apply, LOG);
    }

    /** A record of the poll that read and validated: its event, ready to apply. */
    private record Valid(ConsumerRecord<String, String> record, SegmentEvent event) {
    }

    /**
     * Applies one poll: a dead letter for every malformed or invalid record, then the valid events in one
     * transaction (falling back to one transaction per event if it fails). Completes when both are done;
     * fails only when a dead letter could not be written. Used by the channel above and by tests, which
     * hand it polls whose content is certain.
     */
    public Uni<Void> apply(List<ConsumerRecord<String, String>> records) {
        List<Valid> valid = new ArrayList<>();
        List<Uni<Void>> letters = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            EventReader.Read read = EventReader.fromText(record.value());
            if (!read.ok()) {
                letters.add(deadLetter(record, read.failure().name(), read.reason()));
                continue;
            }
            EventValidator.Result result = ingest.validate(read.event());
            if (!result.valid()) {
                EventValidator.Violation v = result.violation();
                letters.add(deadLetter(record, "INVALID_EVENT", (v.pointer().isEmpty() ? "" : v.pointer() + ": ") + v.reason()));
                continue;
            }
            valid.add(new Valid(record, result.event()));
        }
        Uni<Void> dead = letters.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(letters).andCollectFailures().replaceWithVoid();
        return dead.chain(() -> store(valid));
    }

    private Uni<Void> store(List<Valid> valid) {
        if (valid.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return ingest.applyAll(valid.stream().map(Valid::event).toList(), SegmentMetrics.Source.KAFKA)
                .invoke(() -> metrics.poll(false, valid.size()))
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    metrics.poll(true, valid.size());
                    LOG.warnf(failure, "A poll of %d events could not be stored in one transaction; storing them one by one",
                            valid.size());
                    return oneByOne(valid);
                });
    }

    /** The fallback: each event in its own transaction, in record order; one that keeps failing is dead-lettered. */
    private Uni<Void> oneByOne(List<Valid> valid) {
        return Multi.createFrom().iterable(valid)
                .onItem().transformToUniAndConcatenate(v -> ingest.apply(v.event(), SegmentMetrics.Source.KAFKA)
                        // Transient database trouble is retried before the event is given up to the DLQ.
                        .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2)).atMost(3)
                        .replaceWithVoid()
                        .onFailure().recoverWithUni(e -> deadLetter(v.record(), PROCESSING_FAILED,
                                "Could not be stored: " + describe(e))))
                .collect().last()
                .replaceWithVoid();
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private Uni<Void> deadLetter(ConsumerRecord<String, String> record, String errorType, String reason) {
        ingest.rejected(SegmentMetrics.Source.KAFKA);
        // The reason names the field, never the email value: dead letters are read by people. A storage failure's
        // message may quote stored values, so only its class is logged; the dead letter carries it whole.
        LOG.warnf("Dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(),
                PROCESSING_FAILED.equals(errorType) ? errorType + " " + reason.split(":", 3)[1].trim() : reason);
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION, SERVICE, record.topic(), record.partition(),
                record.offset(), record.key(), record.value(), reason, errorType, Instant.now());
        String json;
        try {
            json = EventJson.mapper().writeValueAsString(letter);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        Message<String> message = Message.of(json,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(record.key()).build()));
        return deadLetters.sendMessage(message);
    }
}
