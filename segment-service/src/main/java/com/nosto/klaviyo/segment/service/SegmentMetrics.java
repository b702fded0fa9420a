package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.events.ChangeType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The service's Prometheus metrics (G13), named in one place. */
@ApplicationScoped
public class SegmentMetrics {

    public enum Source { KAFKA, REST }

    public enum Outcome { APPLIED, STALE, REJECTED }

    @Inject
    MeterRegistry registry;

    /** segment_events_total{source,outcome}: every event received, by what became of it. */
    public void event(Source source, Outcome outcome) {
        Counter.builder("segment.events").description("Segment events received, by source and outcome")
                .tag("source", source.name().toLowerCase()).tag("outcome", outcome.name().toLowerCase())
                .register(registry).increment();
        if (outcome == Outcome.STALE) {
            Counter.builder("segment.events.stale").description("Events ignored as older than the stored state")
                    .register(registry).increment();
        }
    }

    /** membership_changes_total{type}: changes written to the outbox. */
    public void changes(ChangeType type, int count) {
        Counter.builder("membership.changes").description("Membership changes emitted (written to the outbox)")
                .tag("type", type.name()).register(registry).increment(count);
    }

    /** outbox_published_total: outbox rows acknowledged by the broker. */
    public void published(int count) {
        Counter.builder("outbox.published").description("Outbox rows published and acknowledged")
                .register(registry).increment(count);
    }

    /** fanout_pages_total: fan-out pages committed; with the page size it shows how work was split. */
    public void fanoutPage() {
        Counter.builder("fanout.pages").description("Fan-out pages processed (one transaction each)")
                .register(registry).increment();
    }

    public double fanoutPages() {
        Counter c = registry.find("fanout.pages").counter();
        return c == null ? 0 : c.count();
    }

    public double staleCount() {
        Counter c = registry.find("segment.events.stale").counter();
        return c == null ? 0 : c.count();
    }
}
