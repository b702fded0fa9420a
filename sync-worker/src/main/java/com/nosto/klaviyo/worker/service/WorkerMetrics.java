package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.worker.domain.ApplyOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The worker's Prometheus metrics (G13); the outage metrics ({@code nks_outage_*}) come from service-common. */
@Startup
@ApplicationScoped
public class WorkerMetrics {

    private final MeterRegistry registry;
    private final AtomicLong regularPending = new AtomicLong();
    private final AtomicLong firstEnablePending = new AtomicLong();
    private final Counter batches;
    private final Counter deadLetters;
    private final AtomicLong overdueWindows = new AtomicLong();
    private final AtomicLong overdueAccounts = new AtomicLong();
    private final AtomicLong overdueMillis = new AtomicLong();

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
        Gauge.builder("sync_worker_windows_overdue", overdueWindows, AtomicLong::get)
                .description("(Account, partition) windows unreleased past their due time plus overdue-after").register(registry);
        Gauge.builder("sync_worker_accounts_overdue", overdueAccounts, AtomicLong::get)
                .description("Accounts with an overdue window").register(registry);
        TimeGauge.builder("sync_worker_window_overdue", overdueMillis, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("How long past its due time the most overdue window is; 0 when none").register(registry);
        for (ApplyOutcome outcome : ApplyOutcome.values()) {
            registry.counter("sync_worker_changes_in", "outcome", outcome.name().toLowerCase());
        }
        for (ChangeType change : ChangeType.values()) {
            registry.counter("sync_worker_contacts_released", "change", change.name().toLowerCase());
        }
        registry.counter("sync_worker_batches_published");
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

    /**
     * Windows past their due time by more than {@code sync-worker.release.overdue-after} and not released:
     * {@code sync_worker_windows_overdue} ((account, partition) windows), {@code sync_worker_accounts_overdue} and
     * {@code sync_worker_window_overdue_seconds} (how late the latest-running one is; 0 when none). Per account in
     * {@code GET /api/accounts/{a}/windows}: an account label here would make a series per merchant.
     */
    public void overdue(long windows, long accounts, Instant earliestDue, Instant now) {
        overdueWindows.set(windows);
        overdueAccounts.set(accounts);
        overdueMillis.set(earliestDue == null ? 0 : Math.max(0, now.toEpochMilli() - earliestDue.toEpochMilli()));
    }

    public void pending(long regular, long firstEnable) {
        regularPending.set(regular);
        firstEnablePending.set(firstEnable);
    }
}
