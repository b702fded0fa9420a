package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.worker.domain.ApplyOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicLong;

/** The worker's Prometheus metrics (G13); the outage metrics ({@code nks_outage_*}) come from service-common. */
@ApplicationScoped
public class WorkerMetrics {

    private final MeterRegistry registry;
    private final AtomicLong regularPending = new AtomicLong();
    private final AtomicLong firstEnablePending = new AtomicLong();
    private final Counter batches;
    private final Counter deadLetters;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batches = Counter.builder("sync_worker_batches_released").description("SyncBatches written to the outbox")
                .register(registry);
        this.deadLetters = Counter.builder("sync_worker_dead_letters").description("Records sent to the dead-letter topic")
                .register(registry);
        Gauge.builder("sync_worker_pending_contacts", regularPending, AtomicLong::get).tag("kind", "regular")
                .description("Contacts waiting for a window (all partitions)").register(registry);
        Gauge.builder("sync_worker_pending_contacts", firstEnablePending, AtomicLong::get).tag("kind", "first_enable")
                .description("Contacts waiting for a window (all partitions)").register(registry);
    }

    public void changeIn(ApplyOutcome outcome) {
        registry.counter("sync_worker_changes_in", "outcome", outcome.name().toLowerCase()).increment();
        if (outcome == ApplyOutcome.COALESCED) {
            registry.counter("sync_worker_changes_coalesced").increment();
        }
    }

    public void released(ChangeType change) {
        registry.counter("sync_worker_contacts_released", "change", change.name().toLowerCase()).increment();
    }

    public void batchReleased() {
        batches.increment();
    }

    public void batchesPublished(int n) {
        registry.counter("sync_worker_batches_published").increment(n);
    }

    public void deadLettered() {
        deadLetters.increment();
    }

    public void pending(long regular, long firstEnable) {
        regularPending.set(regular);
        firstEnablePending.set(firstEnable);
    }
}
