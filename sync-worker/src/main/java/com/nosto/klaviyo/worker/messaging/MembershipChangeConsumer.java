package com.nosto.klaviyo.worker.messaging;

import com.nosto.klaviyo.common.messaging.PollAcknowledgement;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.worker.domain.ChangeParser;
import com.nosto.klaviyo.worker.domain.InvalidChangeException;
import com.nosto.klaviyo.worker.domain.PollCoalescing;
import com.nosto.klaviyo.worker.service.ChangeIngestService;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Transport adapter for {@code segment-membership-changes}, one Kafka poll at a time (the channel runs
 * in batch mode, {@code max.poll.records} records at most): parse every record, dead-letter the
 * malformed ones individually, store all valid ones in one transaction. The poll is acked (its
 * offsets become committable) only after that transaction committed and the dead letters were
 * written; if storing fails past its retries the poll is nacked, and the channel's
 * dead-letter-queue strategy writes each of its records to the DLQ so the consumer goes on.
 */
@ApplicationScoped
public class MembershipChangeConsumer {

    private static final Logger LOG = Logger.getLogger(MembershipChangeConsumer.class);

    @Inject
    ChangeIngestService ingest;
    @Inject
    DeadLetterPublisher deadLetters;

    @Incoming(Channels.MEMBERSHIP_CHANGES)
    public Uni<Void> consume(KafkaRecordBatch<String, String> batch) {
        return PollAcknowledgement.applyThenSettle(batch, this::apply, LOG);
    }

    /**
     * Applies one poll: dead letters for the malformed records, then every valid change in one
     * transaction. Completes when both are done; fails when the transaction failed past its retries.
     * Used by the channel above and, in tests, by consumers standing in for other instances or replays.
     */
    public Uni<Void> apply(Iterable<ConsumerRecord<String, String>> records) {
        List<PollCoalescing.Change> valid = new ArrayList<>();
        List<Uni<Void>> letters = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            MembershipChange change;
            try {
                change = ChangeParser.parse(record.key(), record.value());
            } catch (InvalidChangeException e) {
                letters.add(deadLetters.publish(record, e));
                continue;
            }
            valid.add(new PollCoalescing.Change(change, record.partition()));
        }
        Uni<Void> dead = letters.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(letters).andCollectFailures().replaceWithVoid();
        return dead.chain(() -> ingest.ingest(valid)).replaceWithVoid();
    }
}
