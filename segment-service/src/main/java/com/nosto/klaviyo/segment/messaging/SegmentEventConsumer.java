package com.nosto.klaviyo.segment.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.segment.domain.EventReader;
import com.nosto.klaviyo.segment.domain.EventValidator;
import com.nosto.klaviyo.segment.service.SegmentEventIngest;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Consumes {@code segment-events}. Values are read as text and parsed here, so malformed JSON and
 * wrong types become a {@link DeadLetter} with the reason (G11) instead of a deserializer failure;
 * the record is acknowledged only after the dead letter or the state change is durable, and the
 * consumer moves on. Unexpected failures (database down past the retries) fall to the channel's
 * dead-letter-queue strategy, which forwards the original record with the error in its headers.
 */
@ApplicationScoped
public class SegmentEventConsumer {

    private static final Logger LOG = Logger.getLogger(SegmentEventConsumer.class);
    static final String SERVICE = "segment-service";

    @Inject
    SegmentEventIngest ingest;

    @Inject
    @Channel(Channels.SEGMENT_EVENTS_DLQ_OUT)
    MutinyEmitter<String> deadLetters;

    @Incoming(Channels.SEGMENT_EVENTS_IN)
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        EventReader.Read read = EventReader.fromText(record.value());
        if (!read.ok()) {
            return deadLetter(record, read.failure().name(), read.reason());
        }
        EventValidator.Result result = ingest.validate(read.event());
        if (!result.valid()) {
            EventValidator.Violation v = result.violation();
            return deadLetter(record, "INVALID_EVENT", (v.pointer().isEmpty() ? "" : v.pointer() + ": ") + v.reason());
        }
        return ingest.apply(result.event(), SegmentMetrics.Source.KAFKA)
                // Transient database trouble is retried before the record is given up to the DLQ.
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2)).atMost(3)
                .replaceWithVoid();
    }

    private Uni<Void> deadLetter(ConsumerRecord<String, String> record, String errorType, String reason) {
        ingest.rejected(SegmentMetrics.Source.KAFKA);
        // The reason names the field, never the email value: dead letters are read by people.
        LOG.warnf("Dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), reason);
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
