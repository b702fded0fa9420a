package com.nosto.klaviyo.worker.messaging;

import com.nosto.klaviyo.common.messaging.DeadLetters;
import com.nosto.klaviyo.common.messaging.PollAcknowledgement;
import com.nosto.klaviyo.common.outage.Failures;
import com.nosto.klaviyo.common.outage.InvalidRecordException;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.worker.domain.ChangeParser;
import com.nosto.klaviyo.worker.domain.PollCoalescing;
import com.nosto.klaviyo.worker.service.ChangeIngestService;
import com.nosto.klaviyo.worker.service.WorkerMetrics;
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
 * Transport adapter for {@code segment-membership-changes}, one Kafka poll at a time (the channel runs in batch
 * mode, {@code max.poll.records} records at most): parse every record, dead-letter the malformed ones, store all
 * valid ones in one transaction. Storing is retried until it succeeds ({@link Outages#untilDone}): while PostgreSQL
 * is away the poll is held, SmallRye pauses the partitions, readiness is DOWN, and the poll is stored when the
 * database is back; valid records never go to the dead-letter topic. Only a record the database itself refuses (a
 * value no column can hold) fails the poll's transaction for good; then the poll is stored one record per
 * transaction so that only that record is dead-lettered. The poll is acked (its offsets become committable) after
 * that, so a crash before redelivers it, which the ledger's versions and event ids make harmless.
 *
 * <p>With N replicas each consumes the partitions the group gives it; a rebalance can let two instances store the
 * same contact at once, which the ledger's row locks and versions order.
 */
@ApplicationScoped
public class MembershipChangeConsumer {

    private static final Logger LOG = Logger.getLogger(MembershipChangeConsumer.class);
    /** The dead letter's {@code errorType} of a valid-looking change the database refuses to store. */
    static final String UNSTORABLE = "UNSTORABLE_CHANGE";

    private final ChangeIngestService ingest;
    private final Outages outages;
    private final DeadLetters deadLetters;
    private final WorkerMetrics metrics;
    private final Tracing tracing;

    public MembershipChangeConsumer(ChangeIngestService ingest, Outages outages, WorkerMetrics metrics, Clock clock,
            @Channel(Channels.SEGMENT_MEMBERSHIP_CHANGES_DLQ) MutinyEmitter<String> dlq, Tracing tracing) {
        this.ingest = ingest;
        this.tracing = tracing;
        this.outages = outages;
        this.metrics = metrics;
        this.deadLetters = new DeadLetters("sync-worker", dlq, outages, clock);
    }

    /** A valid record: what it says and where it came from (to dead-letter it if the database refuses it). */
    private record Parsed(ConsumerRecord<String, String> record, PollCoalescing.Change change) {
    }

    @Incoming(Channels.SEGMENT_MEMBERSHIP_CHANGES_IN)
    public Uni<Void> consume(KafkaRecordBatch<String, String> batch) {
        return PollAcknowledgement.applyThenSettle(batch, this::apply, LOG);
    }

    /**
     * Applies one poll: dead letters for the malformed records, then every valid change in one transaction, waiting
     * out any outage. Used by the channel above and, in tests, by consumers standing in for other instances or replays.
     */
    public Uni<Void> apply(Iterable<ConsumerRecord<String, String>> records) {
        List<Parsed> valid = new ArrayList<>();
        Uni<Void> letters = Uni.createFrom().voidItem();
        for (ConsumerRecord<String, String> record : records) {
            try {
                MembershipChange change = ChangeParser.parse(record.key(), record.value());
                // The change's trace context (its publish span in segment-service) goes into the ledger with it.
                valid.add(new Parsed(record, new PollCoalescing.Change(change, record.partition(), tracing.of(record))));
            } catch (InvalidRecordException e) {
                letters = letters.chain(() -> deadLetter(record, e.errorType(), e.getMessage()));
            }
        }
        return letters.chain(() -> store(valid));
    }

    private Uni<Void> store(List<Parsed> valid) {
        if (valid.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return outages.untilDone(Channels.SEGMENT_MEMBERSHIP_CHANGES_IN,
                        () -> ingest.ingest(valid.stream().map(Parsed::change).toList()))
                .replaceWithVoid()
                .onFailure(Failures::isRecordProblem).recoverWithUni(e -> oneByOne(valid));
    }

    /** The poll again, one record per transaction, in order: the same result, and only the refused record is dead-lettered. */
    private Uni<Void> oneByOne(List<Parsed> valid) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Parsed p : valid) {
            chain = chain.chain(() -> outages.untilDone(Channels.SEGMENT_MEMBERSHIP_CHANGES_IN,
                            () -> ingest.ingest(List.of(p.change())))
                    .replaceWithVoid()
                    .onFailure(Failures::isRecordProblem)
                    .recoverWithUni(e -> deadLetter(p.record(), UNSTORABLE, Failures.describe(e))));
        }
        return chain;
    }

    private Uni<Void> deadLetter(ConsumerRecord<String, String> record, String errorType, String reason) {
        return deadLetters.send(record, errorType, reason).invoke(metrics::deadLettered);
    }
}
