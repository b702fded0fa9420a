package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.events.ChangeType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The service's Prometheus metrics (G13), named in one place. */
@Startup
@ApplicationScoped
public class SegmentMetrics {

    public enum Source { KAFKA, REST }

    public enum Outcome { APPLIED, STALE, REJECTED }

    private final MeterRegistry registry;
    private final AtomicLong outboxPending = new AtomicLong();
    private final AtomicReference<Instant> outboxOldest = new AtomicReference<>();
    private final AtomicLong largestPage = new AtomicLong();

    public SegmentMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("segment.outbox.pending", outboxPending, AtomicLong::get)
                .description("Outbox rows waiting to be published (as last counted by the relay)").register(registry);
        TimeGauge.builder("segment.outbox.oldest.age", this, TimeUnit.MILLISECONDS, SegmentMetrics::oldestAgeMillis)
                .description("Age of the oldest outbox row waiting to be published; 0 when none waits").register(registry);
        // The series the dashboard and the alerts read exist from the start (at 0), not from their first event.
        for (Source source : Source.values()) {
            for (Outcome outcome : Outcome.values()) {
                eventCounter(source, outcome);
            }
        }
        for (ChangeType type : ChangeType.values()) {
            changeCounter(type);
        }
        publishedCounter();
    }

    private Counter eventCounter(Source source, Outcome outcome) {
        return Counter.builder("segment.events").description("Segment events received, by source and outcome")
                .tag("source", source.name().toLowerCase()).tag("outcome", outcome.name().toLowerCase()).register(registry);
    }

    private Counter changeCounter(ChangeType type) {
        return Counter.builder("segment.membership.changes").description("Membership changes emitted (written to the outbox)")
                .tag("type", type.name()).register(registry);
    }

    private Counter publishedCounter() {
        return Counter.builder("segment.outbox.published").description("Outbox rows published and acknowledged").register(registry);
    }

    /** segment_events_total{source,outcome}: every event received, by what became of it. */
    public void event(Source source, Outcome outcome) {
        eventCounter(source, outcome).increment();
        if (outcome == Outcome.STALE) {
            Counter.builder("segment.events.stale").description("Events ignored as older than the stored state")
                    .register(registry).increment();
        }
    }

    /** segment_membership_changes_total{type}: changes written to the outbox. */
    public void changes(ChangeType type, int count) {
        changeCounter(type).increment(count);
    }

    /**
     * segment_event_polls_total{outcome}: Kafka polls with valid events, by how they were stored: {@code batch}
     * (one transaction for the poll) or {@code fallback} (that transaction failed; one per event instead).
     * segment_event_poll_events: valid events per poll.
     */
    public void poll(boolean fallback, int events) {
        Counter.builder("segment.event.polls").description("Kafka polls of segment events, by how their events were stored")
                .tag("outcome", fallback ? "fallback" : "batch").register(registry).increment();
        DistributionSummary.builder("segment.event.poll.events").description("Valid segment events per Kafka poll")
                .register(registry).record(events);
    }

    /** Polls stored so far with the given outcome ({@code batch} or {@code fallback}). */
    public double polls(String outcome) {
        Counter c = registry.find("segment.event.polls").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    /** segment_outbox_published_total: changes from the outbox acknowledged by the broker. */
    public void published(int count) {
        publishedCounter().increment(count);
    }

    /**
     * segment_fanout_pages_total: fan-out pages committed; segment_fanout_page_contacts: contacts per page (its max shows that
     * no transaction held more than a page, whatever the segment's size).
     */
    public void fanoutPage(int contacts) {
        Counter.builder("segment.fanout.pages").description("Fan-out pages processed (one transaction each)")
                .register(registry).increment();
        DistributionSummary.builder("segment.fanout.page.contacts").description("Contacts locked and reconciled per fan-out page")
                .register(registry).record(contacts);
        largestPage.accumulateAndGet(contacts, Math::max);
    }

    /** The most contacts any fan-out page has held since start (not windowed, unlike the summary's max). */
    public long largestFanoutPage() {
        return largestPage.get();
    }

    /** What the relay last found in the outbox: how many rows wait and when the oldest was written (null: none). */
    public void outbox(long pending, Instant oldest) {
        outboxPending.set(pending);
        outboxOldest.set(oldest);
    }

    /** The oldest waiting row seen by a relay round (the count is refreshed less often, see {@link #outbox}). */
    public void outboxOldest(Instant oldest) {
        outboxOldest.set(oldest);
    }

    double oldestAgeMillis() {
        Instant oldest = outboxOldest.get();
        return oldest == null ? 0 : Math.max(0, System.currentTimeMillis() - oldest.toEpochMilli());
    }

    public double fanoutPages() {
        Counter c = registry.find("segment.fanout.pages").counter();
        return c == null ? 0 : c.count();
    }

    public double staleCount() {
        Counter c = registry.find("segment.events.stale").counter();
        return c == null ? 0 : c.count();
    }
}
