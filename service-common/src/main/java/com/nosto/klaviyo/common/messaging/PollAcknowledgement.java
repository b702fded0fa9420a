package com.nosto.klaviyo.common.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * How a batch-mode channel (one {@code KafkaRecordBatch} per Kafka poll) hands a poll to the service and
 * settles it: apply every record, then ack the poll (its offsets become committable) only when applying
 * succeeded, else nack it so the channel's dead-letter-queue strategy keeps each record (G11). segment-service's
 * and sync-worker's consumers both work this way.
 *
 * <p>A failed nack (the dead-letter topic unreachable too) is logged and swallowed: the offsets stay uncommitted,
 * the throttled commit strategy reports the channel unhealthy, and a restart redelivers the poll, which the
 * services apply idempotently (a redelivered record is stale, a duplicate or a no-op).
 */
public final class PollAcknowledgement {

    private PollAcknowledgement() {
    }

    /** The poll's Kafka records, in poll order. */
    public static <K, V> List<ConsumerRecord<K, V>> records(KafkaRecordBatch<K, V> batch) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>(batch.getRecords().size());
        for (KafkaRecord<K, V> r : batch.getRecords()) {
            records.add(r.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getRecord)
                    .map(PollAcknowledgement::<K, V>cast)
                    .orElseThrow(() -> new IllegalStateException("batch record without Kafka metadata")));
        }
        return records;
    }

    /** Applies the poll's records with {@code apply}, then acks the poll, or nacks it with the failure. */
    public static <K, V> Uni<Void> applyThenSettle(KafkaRecordBatch<K, V> batch,
            Function<List<ConsumerRecord<K, V>>, Uni<Void>> apply, Logger log) {
        List<ConsumerRecord<K, V>> records = records(batch);
        return Uni.createFrom().deferred(() -> apply.apply(records))
                .onItemOrFailure().transformToUni((done, failure) -> failure == null
                        ? Uni.createFrom().completionStage(batch::ack)
                        : Uni.createFrom().completionStage(() -> batch.nack(failure)))
                .onFailure().invoke(e -> log.errorf(e, "Could not acknowledge a poll of %d records", records.size()))
                .onFailure().recoverWithNull();
    }

    @SuppressWarnings("unchecked")
    private static <K, V> ConsumerRecord<K, V> cast(ConsumerRecord<?, ?> record) {
        return (ConsumerRecord<K, V>) record;
    }
}
