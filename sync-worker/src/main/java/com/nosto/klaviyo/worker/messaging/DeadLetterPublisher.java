package com.nosto.klaviyo.worker.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.worker.service.WorkerMetrics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Writes a {@link DeadLetter} for a record that can never be applied (G11). */
@ApplicationScoped
public class DeadLetterPublisher {

    private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);
    static final String SERVICE = "sync-worker";

    @Inject
    @Channel(Channels.MEMBERSHIP_CHANGES_DLQ)
    MutinyEmitter<String> emitter;
    @Inject
    Clock clock;
    @Inject
    WorkerMetrics metrics;

    public Uni<Void> publish(ConsumerRecord<String, String> record, Exception problem) {
        Throwable cause = problem.getCause() != null ? problem.getCause() : problem;
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION, SERVICE, record.topic(), record.partition(),
                record.offset(), record.key(), record.value(), problem.getMessage(), cause.getClass().getSimpleName(),
                clock.instant());
        // The payload holds an email: log where it came from and why, never its content.
        LOG.warnf("Dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), problem.getMessage());
        return emitter.sendMessage(Message.of(json(letter))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(record.key()).build()))
                .invoke(metrics::deadLettered);
    }

    private static String json(DeadLetter letter) {
        try {
            return EventJson.mapper().writeValueAsString(letter);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
