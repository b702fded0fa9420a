package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.messaging.PartitionOwnership;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The release loop: every tick, release the due windows of the partitions this instance owns, then
 * relay the outbox. Holds no schedule in memory: every tick reads the due times from the database,
 * so a restart picks up exactly where the stored schedule says.
 */
@ApplicationScoped
public class ReleaseScheduler {

    private static final Logger LOG = Logger.getLogger(ReleaseScheduler.class);

    @Inject
    ReleaseService releases;
    @Inject
    OutboxRelay relay;
    @Inject
    PartitionOwnership ownership;
    @Inject
    LedgerRepository ledger;
    @Inject
    WorkerMetrics metrics;
    @Inject
    SyncWorkerConfig config;

    private final ReentrantLock running = new ReentrantLock();
    private volatile boolean paused;
    private volatile ScheduledExecutorService executor;
    private long ticks;
    /** When the pending gauges were last counted (System.nanoTime); null before the first count. */
    private Long gaugesCountedAt;

    void start(@Observes StartupEvent event) {
        if (!config.release().enabled()) {
            LOG.info("Release loop disabled by configuration");
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "window-release");
            t.setDaemon(true);
            return t;
        });
        long tick = config.release().tick().toMillis();
        executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        ScheduledExecutorService e = executor;
        if (e != null) {
            e.shutdownNow();
            try {
                e.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One round: release due windows, publish the outbox, and every {@code gauge-refresh} recount the pending gauges. */
    public void tick() {
        if (paused) {
            return;
        }
        running.lock();
        try {
            if (paused) {
                return;
            }
            releases.releaseDue(ownership.owned());
            relay.relayOnce();
            long now = System.nanoTime();
            if (gaugesCountedAt == null || now - gaugesCountedAt >= config.release().gaugeRefresh().toNanos()) {
                refreshGauges();
                gaugesCountedAt = now;
            }
            if (++ticks % 720 == 0) {
                relay.purgePublished();
            }
        } catch (RuntimeException e) {
            ScheduledExecutorService ex = executor;
            if (ex != null && ex.isShutdown()) {
                LOG.debug("Release tick interrupted by shutdown");
                return;
            }
            // Nothing is lost: due times stay in the past and claimed outbox rows' leases expire.
            LOG.warnf(e, "Release tick failed; retrying at the next tick");
        } finally {
            running.unlock();
        }
    }

    /** Run a tick soon (after a flush) instead of waiting for the next one. */
    public void triggerNow() {
        ScheduledExecutorService e = executor;
        if (e != null && !e.isShutdown()) {
            e.execute(this::tick);
        }
    }

    /** Stop releasing and publishing, waiting for a running tick to end: what a killed release loop looks like. */
    public void pause() {
        paused = true;
        running.lock();
        running.unlock();
    }

    public void resume() {
        paused = false;
    }

    private void refreshGauges() {
        long[] counts = Blocking.await(() -> Panache.withSession(() -> ledger.countAllRegularPending()
                .chain(regular -> ledger.countAllFirstEnablePending().map(fe -> new long[] {regular, fe}))));
        metrics.pending(counts[0], counts[1]);
    }
}
