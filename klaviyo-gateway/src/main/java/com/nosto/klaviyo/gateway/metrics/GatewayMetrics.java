package com.nosto.klaviyo.gateway.metrics;

import com.nosto.klaviyo.gateway.domain.BatchResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Every counter and gauge the gateway exports, in one place (Prometheus names: dots become underscores, counters end in
 * {@code _total}). The names are documented in docs/operations.md.
 */
@ApplicationScoped
public class GatewayMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> connectionsByKek = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One answer (or I/O error) from Klaviyo: {@code klaviyo_calls_total{endpoint,status}}. */
    public void klaviyoCall(String endpoint, String status) {
        registry.counter("klaviyo.calls", "endpoint", endpoint, "status", status).increment();
    }

    /** A call sent again: {@code klaviyo_retries_total{endpoint,reason}} (429, HTTP 5xx, an I/O error). */
    public void klaviyoRetry(String endpoint, String reason) {
        registry.counter("klaviyo.retries", "endpoint", endpoint, "reason", reason).increment();
    }

    public void klaviyoThrottled(String endpoint) {
        registry.counter("klaviyo.throttled", "endpoint", endpoint).increment();
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
