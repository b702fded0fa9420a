package com.nosto.klaviyo.gateway.metrics;

import com.nosto.klaviyo.gateway.client.KlaviyoOperation;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Every counter, gauge and histogram the gateway exports, in one place (Prometheus names: dots become underscores,
 * counters end in {@code _total}, timers in {@code _seconds_bucket/_count/_sum}); every name starts with
 * {@code gateway_}. The names are documented in docs/operations.md. The series the dashboard and the alerts read are
 * registered at start (at 0), so a query finds them before the first window and {@code rate()} sees the first one.
 */
@Startup
@ApplicationScoped
public class GatewayMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> connectionsByKek = new ConcurrentHashMap<>();

    /** Buckets of the latency histograms: a Klaviyo call takes 50 ms to tens of seconds (a bulk job's upload). */
    private static final Duration[] CALL_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30)};

    /** Buckets of the freshness histograms, around the promises: the 1-hour first enable and the 12-hour window. */
    private static final Duration[] FRESHNESS_BUCKETS = {Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5),
        Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6),
        Duration.ofHours(12), Duration.ofHours(13), Duration.ofHours(24)};

    private final Timer windowFreshness;
    private final Timer contactFreshness;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.windowFreshness = Timer.builder("gateway.window.freshness")
                .description("From a window's end to the end of its last Klaviyo call (the window applied)")
                .serviceLevelObjectives(FRESHNESS_BUCKETS).register(registry);
        this.contactFreshness = Timer.builder("gateway.contact.freshness")
                .description("From sync-worker recording a contact's change to the chunk that applied it in Klaviyo")
                .serviceLevelObjectives(FRESHNESS_BUCKETS).register(registry);
        for (KlaviyoOperation op : KlaviyoOperation.values()) {
            callTimer(op.operationId());
            if ("GET".equals(op.method())) { // the usual answer of a read; other statuses appear with their first call
                registry.counter("gateway.klaviyo.calls", "endpoint", op.operationId(), "status", "200");
            }
            registry.counter("gateway.klaviyo.throttled", "endpoint", op.operationId());
        }
        for (String change : new String[] {"ADDED", "MOVED", "REMOVED", "DELETED"}) {
            registry.counter("gateway.contacts.applied", "change", change);
        }
        registry.counter("gateway.row.errors");
        for (String reason : new String[] {"complete", "max-wait"}) {
            registry.counter("gateway.windows.applied", "reason", reason);
        }
        for (String reason : new String[] {"klaviyo-unavailable", "key-rejected", "key-unreadable"}) {
            registry.counter("gateway.batches.parked", "reason", reason);
        }
        registry.counter("gateway.batches.malformed");
    }

    private Timer callTimer(String operation) {
        return Timer.builder("gateway.klaviyo.call.duration").description("Klaviyo's answer time per call attempt, by operation")
                .tag("operation", operation).serviceLevelObjectives(CALL_BUCKETS).register(registry);
    }

    /** One answer (or I/O error) from Klaviyo: {@code gateway_klaviyo_calls_total{endpoint,status}}. */
    public void klaviyoCall(String endpoint, String status) {
        registry.counter("gateway.klaviyo.calls", "endpoint", endpoint, "status", status).increment();
    }

    /**
     * One attempt's answer time, request sent to answer or I/O error (pacing and retry waits are not in it):
     * {@code gateway_klaviyo_call_duration_seconds{operation}}.
     */
    public void klaviyoCallTime(String operation, long nanos) {
        callTimer(operation).record(Duration.ofNanos(nanos));
    }

    /** A window applied: its end to now, {@code gateway_window_freshness_seconds}. */
    public void windowFreshness(Instant windowEnd, Instant now) {
        windowFreshness.record(Duration.between(windowEnd, now).isNegative() ? Duration.ZERO : Duration.between(windowEnd, now));
    }

    /** A contact applied: when sync-worker recorded its change to now, {@code gateway_contact_freshness_seconds}. */
    public void contactFreshness(Instant pendingSince, Instant now) {
        Duration d = Duration.between(pendingSince, now);
        contactFreshness.record(d.isNegative() ? Duration.ZERO : d);
    }

    /** A call sent again: {@code gateway_klaviyo_retries_total{endpoint,reason}} (429, HTTP 5xx, an I/O error). */
    public void klaviyoRetry(String endpoint, String reason) {
        registry.counter("gateway.klaviyo.retries", "endpoint", endpoint, "reason", reason).increment();
    }

    public void klaviyoThrottled(String endpoint) {
        registry.counter("gateway.klaviyo.throttled", "endpoint", endpoint).increment();
    }

    /** Batches by outcome: APPLIED (all its contacts done), DUPLICATE (received again after it was applied). */
    public void batches(String outcome, int n) {
        registry.counter("gateway.batches", "outcome", outcome).increment(n);
    }

    /** Batches an account could not apply when its turn came, by why it waits (they stay in the inbox). */
    public void parked(String reason, int n) {
        registry.counter("gateway.batches.parked", "reason", reason).increment(n);
    }

    /** Differences an audit found between the ledger and Klaviyo, by class (G14). */
    public void auditDrift(String driftClass, int n) {
        registry.counter("gateway.audit.drift", "class", driftClass).increment(n);
    }

    public void disconnected() {
        registry.counter("gateway.accounts.disconnected").increment();
    }

    /** A record that is not a SyncBatch: dead-lettered. */
    public void malformed() {
        registry.counter("gateway.batches.malformed").increment();
    }

    /** A window fully applied: {@code complete} (its end markers said so) or {@code max-wait} (a marker never came). */
    public void windowApplied(String reason) {
        registry.counter("gateway.windows.applied", "reason", reason).increment();
    }

    /** Contacts applied by change kind, and rows that failed, of one chunk. */
    public void applied(BatchResult r) {
        registry.counter("gateway.contacts.applied", "change", "ADDED").increment(r.added);
        registry.counter("gateway.contacts.applied", "change", "MOVED").increment(r.moved);
        registry.counter("gateway.contacts.applied", "change", "REMOVED").increment(r.removed);
        registry.counter("gateway.contacts.applied", "change", "DELETED").increment(r.deleted);
        registry.counter("gateway.row.errors").increment(r.failed);
    }

    /** A lease found lost before its work was recorded (the work is redone by the next holder). */
    public void leaseLost() {
        registry.counter("gateway.leases.lost").increment();
    }

    /**
     * Stored Klaviyo keys per key-encryption key id: {@code gateway_connections_by_kek{kek}} (every replica counts all
     * rows, so take the max over replicas, not the sum). A KEK no longer counted is shown at 0 until the next start.
     */
    public void connectionsByKek(Map<String, Long> counts) {
        counts.forEach((kek, n) -> connectionsByKek.computeIfAbsent(kek, k -> {
            AtomicLong value = new AtomicLong();
            registry.gauge("gateway.connections.by.kek", Tags.of("kek", k), value);
            return value;
        }).set(n));
        connectionsByKek.forEach((kek, value) -> {
            if (!counts.containsKey(kek)) {
                value.set(0);
            }
        });
    }

    /** Batches of accounts without a working connection purged after the retention period. */
    public void expired(int batches) {
        registry.counter("gateway.inbox.expired").increment(batches);
    }
}
