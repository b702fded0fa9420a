package com.nosto.klaviyo.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand, so rate-limit windows are deterministic. */
final class ManualClock extends Clock {

    private volatile Instant now;

    ManualClock(Instant start) {
        this.now = start;
    }

    /** Starts at the beginning of a minute, so a test's first minute window is whole. */
    static ManualClock atMinuteStart() {
        return new ManualClock(Instant.parse("2026-07-20T10:00:00Z"));
    }

    void advance(Duration d) {
        now = now.plus(d);
    }

    void advanceToNextMinute() {
        long millis = now.toEpochMilli();
        now = Instant.ofEpochMilli((millis / 60_000 + 1) * 60_000);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
