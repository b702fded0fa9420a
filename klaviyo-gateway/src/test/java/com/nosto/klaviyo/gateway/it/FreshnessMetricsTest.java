package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The SLA histograms (issue 22.4) measure what they say: a window that ended 10 minutes ago, carrying two contacts
 * that became pending 2 hours ago, adds one window-freshness sample between 5 and 15 minutes, two contact-freshness
 * samples above an hour, and Klaviyo answer times for the calls that applied them. Read as deltas of the histogram
 * buckets: the registry is shared with the other tests of this application.
 */
@QuarkusTest
class FreshnessMetricsTest extends GatewayTestBase {

    @Inject
    MeterRegistry registry;

    @Test
    void aWindowsAndItsContactsAgesAreRecordedWhenItIsApplied() {
        connect();
        Instant now = Instant.now();
        Instant windowEnd = now.minus(Duration.ofMinutes(10));
        Instant pendingSince = now.minus(Duration.ofHours(2));
        List<ContactState> contacts = List.of(
                new ContactState(email("jane"), true, "VIP", List.of("VIP"), 1, ChangeType.ADDED, false, pendingSince),
                new ContactState(email("joe"), true, "VIP", List.of("VIP"), 1, ChangeType.ADDED, false, pendingSince));
        double windowsWithin5m = countAtOrBelow("gateway.window.freshness", Duration.ofMinutes(5));
        double windowsWithin15m = countAtOrBelow("gateway.window.freshness", Duration.ofMinutes(15));
        double contactsWithin1h = countAtOrBelow("gateway.contact.freshness", Duration.ofHours(1));
        long contactSamples = timer("gateway.contact.freshness").count();
        long callSamples = registry.find("gateway.klaviyo.call.duration").timers().stream().mapToLong(Timer::count).sum();

        publish(SyncBatch.contacts(accountId + "/aged/0/0", accountId, "aged", WindowKind.REGULAR, 0, windowEnd, now, contacts, 0));
        publish(SyncBatch.endMarker(accountId + "/aged/0/1", accountId, "aged", WindowKind.REGULAR, 1, windowEnd, now, 0, 1));
        awaitWindows(1);

        // The window's sample is taken right after its last chunk commits, a moment after its sync run shows.
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                countAtOrBelow("gateway.window.freshness", Duration.ofMinutes(15)) - windowsWithin15m)
                .as("the window counted within 15 minutes").isEqualTo(1));
        assertThat(timer("gateway.contact.freshness").count() - contactSamples).as("contact samples").isEqualTo(2);
        assertThat(countAtOrBelow("gateway.contact.freshness", Duration.ofHours(1)) - contactsWithin1h)
                .as("contacts pending 2 hours counted within an hour").isZero();
        assertThat(countAtOrBelow("gateway.window.freshness", Duration.ofMinutes(5)) - windowsWithin5m)
                .as("window 10 minutes old counted within 5 minutes").isZero();
        assertThat(registry.find("gateway.klaviyo.call.duration").timers().stream().mapToLong(Timer::count).sum() - callSamples)
                .as("Klaviyo answer times recorded").isPositive();
    }

    private Timer timer(String name) {
        return registry.get(name).timer();
    }

    /** Samples at or below {@code bound} so far (the histogram's cumulative bucket). */
    private double countAtOrBelow(String name, Duration bound) {
        for (CountAtBucket b : timer(name).takeSnapshot().histogramCounts()) {
            if (b.bucket(java.util.concurrent.TimeUnit.NANOSECONDS) == bound.toNanos()) {
                return b.count();
            }
        }
        throw new AssertionError(name + " has no bucket at " + bound);
    }
}
