package com.nosto.klaviyo.segment.messaging;

import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.common.messaging.DeadLetters;
import com.nosto.klaviyo.common.messaging.PollAcknowledgement;
import com.nosto.klaviyo.common.outage.Failures;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.domain.EventReader;
import com.nosto.klaviyo.segment.domain.EventValidator;
import com.nosto.klaviyo.segment.service.SegmentEventIngest;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
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
 * Consumes {@code segment-events} one Kafka poll at a time (batch mode, {@code max.poll.records} at most). Values are
 * read as text and parsed here, so malformed JSON, wrong types and rule violations become a dead letter each, with
 * the reason (G11), and the rest of the poll goes on. The poll's valid events are stored in ONE transaction, retried
 * for as long as the database is away ({@link Outages#untilDone}: the poll is held, SmallRye pauses the partitions,
 * readiness is DOWN) and never dead-lettered for it. Only when the transaction fails because of a record (a value the
 * database refuses, {@link Failures#isRecordProblem}) does the poll fall back to one transaction per event, where the
 * event the database refuses is dead-lettered ({@code PROCESSING_FAILED}) and every other one stored. The poll is
 * acknowledged once its events are stored and its dead letters written.
 *
 * <p>Each event's trace context (the {@code traceparent} header its record arrived with) is stored with the changes it
 * causes, so the outbox relay publishes them in the event's trace; with tracing off nothing is read or stored.
 *
 * <p>Replicas: each replica consumes the partitions the group assigns it; contact locks serialise two replicas
 * applying one contact during a rebalance, and a redelivered poll applies as no-ops (stale or unchanged).
 */
@ApplicationScoped
public class SegmentEventConsumer {

    private static final Logger LOG = Logger.getLogger(SegmentEventConsumer.class);
    static final String SERVICE = "segment-service";
    /** DeadLetter errorType of a valid-looking event the database refuses, even in a transaction of its own. */
    public static final String PROCESSING_FAILED = "PROCESSING_FAILED";

    private final SegmentEventIngest ingest;
    private final SegmentMetrics metrics;
    private final Outages outages;
    private final DeadLetters deadLetters;
    private final Tracing tracing;

    public SegmentEventConsumer(SegmentEventIngest ingest, SegmentMetrics metrics, Outages outages,
            @Channel(Channels.SEGMENT_EVENTS_DLQ) MutinyEmitter<String> deadLetterEmitter, Clock clock, Tracing tracing) {
        this.ingest = ingest;
        this.tracing = tracing;
        this.metrics = metrics;
        this.outages = outages;
        this.deadLetters = new DeadLetters(SERVICE, deadLetterEmitter, outages, clock);
    }

    @Incoming(Channels.SEGMENT_EVENTS_IN)
    public Uni<Void> consume(KafkaRecordBatch<String, String> batch) {
        return PollAcknowledgement.applyThenSettle(batch, this::apply, LOG);
    }

    /** A record of the poll that read and validated: its event, ready to apply. */
    private record Valid(ConsumerRecord<String, String> record, SegmentEvent event, String trace) {
    }

    /**
     * Applies one poll: a dead letter for every malformed or invalid record, then the valid events in one transaction
     * (falling back to one per event if a record breaks it). Completes when both are done. Used by the channel above
     * and by tests, which hand it polls whose content is certain.
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
            valid.add(new Valid(record, result.event(), tracing.of(record)));
        }
        return inOrder(letters).chain(() -> store(valid));
    }

    private Uni<Void> store(List<Valid> valid) {
        if (valid.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return outages.untilDone(Channels.SEGMENT_EVENTS_IN,
                        () -> ingest.applyAll(valid.stream().map(Valid::event).toList(), traces(valid), SegmentMetrics.Source.KAFKA))
                .invoke(() -> metrics.poll(false, valid.size()))
                .replaceWithVoid()
                .onFailure(Failures::isRecordProblem).recoverWithUni(failure -> {
                    metrics.poll(true, valid.size());
                    LOG.warnf("A poll of %d events was refused by the database (%s); storing them one by one", valid.size(),
                            Failures.describe(failure));
                    return oneByOne(valid);
                });
    }

    /** The fallback: each event in its own transaction, in record order; one the database refuses is dead-lettered. */
    private Uni<Void> oneByOne(List<Valid> valid) {
        return inOrder(valid.stream().map(v -> outages.untilDone(Channels.SEGMENT_EVENTS_IN,
                        () -> ingest.applyAll(List.of(v.event()), traces(List.of(v)), SegmentMetrics.Source.KAFKA))
                .replaceWithVoid()
                .onFailure(Failures::isRecordProblem).recoverWithUni(e -> LogContext.account(v.event().accountId())
                        .event(v.event().eventId()).get(() -> deadLetter(v.record(), PROCESSING_FAILED,
                                "Could not be stored: " + Failures.describe(e))))).toList());
    }

    /** The events' trace contexts, or null when tracing is off. */
    private List<String> traces(List<Valid> valid) {
        return tracing.enabled() ? valid.stream().map(Valid::trace).toList() : null;
    }

    private Uni<Void> deadLetter(ConsumerRecord<String, String> record, String errorType, String reason) {
        ingest.rejected(SegmentMetrics.Source.KAFKA);
        return deadLetters.send(record, errorType, reason);
    }

    /** Subscribes to the steps one after another (each is lazy until then). */
    private static Uni<Void> inOrder(List<Uni<Void>> steps) {
        return steps.isEmpty() ? Uni.createFrom().voidItem()
                : Multi.createFrom().iterable(steps).onItem().transformToUniAndConcatenate(step -> step).collect().last()
                        .replaceWithVoid();
    }
}
