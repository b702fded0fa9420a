package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.EventValidator;
import com.nosto.klaviyo.segment.domain.IngestBatch;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;

/** The path shared by both ingest adapters after reading: validate, then apply in one transaction and count. */
@ApplicationScoped
public class SegmentEventIngest {

    private final MembershipService membership;
    private final SegmentMetrics metrics;
    private final EventValidator validator;

    public SegmentEventIngest(MembershipService membership, SegmentMetrics metrics, SegmentServiceConfig config, Clock clock) {
        this.membership = membership;
        this.metrics = metrics;
        SegmentServiceConfig.Ingest ingest = config.ingest();
        this.validator = new EventValidator(new EventValidator.Limits(ingest.maxSegmentsPerEvent(),
                ingest.maxSegmentIdLength(), ingest.maxClockSkew()), clock);
    }

    public EventValidator.Result validate(SegmentEvent event) {
        return validator.validate(event);
    }

    /**
     * Applies validated events in one transaction, in order; once it committed, counts each as applied or stale and
     * its changes by type. Fails as the transaction failed (see {@code Failures} for what a failure means).
     */
    public Uni<List<IngestBatch.Result>> applyAll(List<SegmentEvent> valid, SegmentMetrics.Source source) {
        return applyAll(valid, null, source);
    }

    /** As above; {@code traces}: null, or each event's trace context (a traceparent or null), stored with its changes. */
    public Uni<List<IngestBatch.Result>> applyAll(List<SegmentEvent> valid, List<String> traces, SegmentMetrics.Source source) {
        return membership.applyAll(valid, traces).map(applied -> {
            applied.results().forEach(r -> metrics.event(source,
                    r == IngestBatch.Result.STALE ? SegmentMetrics.Outcome.STALE : SegmentMetrics.Outcome.APPLIED));
            if (applied.writes() != null) {
                applied.writes().changes().stream().collect(Collectors.groupingBy(MembershipChange::type, Collectors.counting()))
                        .forEach((type, n) -> metrics.changes(type, n.intValue()));
            }
            return applied.results();
        });
    }

    public void rejected(SegmentMetrics.Source source) {
        metrics.event(source, SegmentMetrics.Outcome.REJECTED);
    }
}
