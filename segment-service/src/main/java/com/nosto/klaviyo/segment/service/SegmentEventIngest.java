package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.EventValidator;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;

/** The path shared by both ingest adapters after reading: validate, then apply and count. */
@ApplicationScoped
public class SegmentEventIngest {

    @Inject
    MembershipService membership;
    @Inject
    SegmentMetrics metrics;

    private final EventValidator validator;

    @Inject
    public SegmentEventIngest(SegmentServiceConfig config) {
        SegmentServiceConfig.Ingest ingest = config.ingest();
        this.validator = new EventValidator(new EventValidator.Limits(ingest.maxSegmentsPerEvent(),
                ingest.maxSegmentIdLength(), ingest.maxClockSkew()), Clock.systemUTC());
    }

    public EventValidator.Result validate(SegmentEvent event) {
        return validator.validate(event);
    }

    /** Applies a validated event; counts it as applied or stale. */
    public Uni<MembershipService.Result> apply(SegmentEvent valid, SegmentMetrics.Source source) {
        return membership.apply(valid).invoke(r -> metrics.event(source,
                r == MembershipService.Result.STALE ? SegmentMetrics.Outcome.STALE : SegmentMetrics.Outcome.APPLIED));
    }

    /** Applies validated events in one transaction, in order; counts each as applied or stale once it committed. */
    public Uni<List<MembershipService.Result>> applyAll(List<SegmentEvent> valid, SegmentMetrics.Source source) {
        return membership.applyAll(valid).invoke(results -> results.forEach(r -> metrics.event(source,
                r == MembershipService.Result.STALE ? SegmentMetrics.Outcome.STALE : SegmentMetrics.Outcome.APPLIED)));
    }

    public void rejected(SegmentMetrics.Source source) {
        metrics.event(source, SegmentMetrics.Outcome.REJECTED);
    }
}
