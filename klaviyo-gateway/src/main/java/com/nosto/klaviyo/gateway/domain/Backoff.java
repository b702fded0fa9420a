package com.nosto.klaviyo.gateway.domain;

import java.time.Duration;

/** How long an account waits after its n-th failure in a row to reach Klaviyo: doubling from initial, at most max. */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max: " + initial + ", " + max);
        }
    }

    /** @param failures consecutive failures, the latest included (1 for the first) */
    public Duration after(int failures) {
        long millis = initial.toMillis();
        for (int i = 1; i < failures && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}
