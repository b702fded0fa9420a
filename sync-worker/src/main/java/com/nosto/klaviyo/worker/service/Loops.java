package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How a round of the worker's background loops (window release, outbox relay, outbox purge, pending gauges) runs,
 * whatever Quarkus scheduler method triggers it: a failure goes to {@link Outages#failed} (readiness DOWN, a retry
 * counter, throttled logs) and the loop simply runs again at its next tick; a success goes to
 * {@link Outages#recovered}. A failed round loses nothing: each loop keeps its progress in PostgreSQL.
 * {@link #pause()} stops every loop and waits for running rounds to end, which is what a killed instance's loops
 * look like to the others (tests use it).
 */
@ApplicationScoped
public class Loops {

    private final Outages outages;
    private final boolean enabled;
    private final Map<String, ReentrantLock> running = new ConcurrentHashMap<>();
    private volatile boolean paused;
    private volatile boolean stopping;

    public Loops(Outages outages, SyncWorkerConfig config) {
        this.outages = outages;
        this.enabled = config.release().enabled();
    }

    /** Runs one round of {@code loop} unless the loops are paused or switched off. */
    public void run(String loop, Runnable round) {
        if (!enabled || paused) {
            return;
        }
        ReentrantLock lock = running.computeIfAbsent(loop, l -> new ReentrantLock());
        lock.lock();
        try {
            if (paused) {
                return;
            }
            round.run();
            outages.recovered(loop);
        } catch (RuntimeException e) {
            if (!stopping) {
                outages.failed(loop, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops every loop, waiting for the rounds that are running to end. */
    public void pause() {
        paused = true;
        for (ReentrantLock lock : running.values()) {
            lock.lock();
            lock.unlock();
        }
    }

    public void resume() {
        paused = false;
    }

    /** At shutdown the pool closes under a running round: that is no outage. */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        paused = true;
    }
}
