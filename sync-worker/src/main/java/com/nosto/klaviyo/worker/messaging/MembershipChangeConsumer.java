package com.nosto.klaviyo.worker.messaging;

import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.worker.domain.ChangeParser;
import com.nosto.klaviyo.worker.domain.InvalidChangeException;
import com.nosto.klaviyo.worker.service.ChangeIngestService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Transport adapter for {@code segment-membership-changes}: parse, then store. The record is acked
 * (its offset becomes committable) only when the returned Uni completes, i.e. after the database
 * commit or after its dead letter was written. A storage failure that outlives the retries nacks the
 * record and the channel's dead-letter-queue strategy keeps the consumer going.
 */
@ApplicationScoped
public class MembershipChangeConsumer {

    @Inject
    ChangeIngestService ingest;
    @Inject
    DeadLetterPublisher deadLetters;

    @Incoming(Channels.MEMBERSHIP_CHANGES)
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        MembershipChange change;
        try {
            change = ChangeParser.parse(record.key(), record.value());
        } catch (InvalidChangeException e) {
            return deadLetters.publish(record, e);
        }
        return ingest.ingest(change, record.partition()).replaceWithVoid();
    }
}
