package com.nosto.klaviyo.worker.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker's clock in tests: starts at the real time and only moves when a test advances it. One
 * per JVM (tests share the app); it only moves forward, and tests use their own accounts, so one
 * test's jump merely makes other accounts' windows due early, which no test relies on not happening.
 */
public final class TestClock extends Clock {

    public static final TestClock INSTANCE = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

    private final AtomicReference<Instant> now;

    private TestClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    public Instant advance(Duration by) {
        return now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
