package com.nosto.klaviyo.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples a service's heap in use (its {@code /q/metrics}) every 250 ms on a daemon thread and keeps the peak, from
 * {@link #start} to {@link #stop}. The peak includes garbage not yet collected: an upper bound of what the service
 * needed, which the live heap after a full GC ({@link Probe#fullGc}) complements.
 */
final class HeapSampler {

    private final AtomicLong peak;
    private final Thread thread;

    private HeapSampler(String baseUrl) {
        this.peak = new AtomicLong(Probe.heapUsed(baseUrl));
        this.thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(Probe.heapUsed(baseUrl), Math::max);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        thread.setDaemon(true);
    }

    static HeapSampler start(String baseUrl) {
        HeapSampler s = new HeapSampler(baseUrl);
        s.thread.start();
        return s;
    }

    /** Stops sampling; the peak heap in use seen, in bytes. */
    long stop() {
        thread.interrupt();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return peak.get();
    }
}
