package com.nosto.klaviyo.emulator;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Fixed windows per API key and operation, as Klaviyo documents them: a 1-second burst window, a 1-minute steady
 * window and, where the spec states one, a 1-day window. A throttled request does not consume quota.
 */
final class RateLimiter {

    record Decision(boolean allowed, int limit, int remaining, long resetSeconds, long retryAfterSeconds, String window) {
    }

    private static final class Windows {
        long second = -1;
        int burst;
        long minute = -1;
        int steady;
        long day = -1;
        int daily;
    }

    private final Clock clock;
    private final Map<String, Windows> windows = new HashMap<>();

    RateLimiter(Clock clock) {
        this.clock = clock;
    }

    synchronized Decision acquire(String apiKey, String operation, RateLimits.Limit limit, boolean enforce) {
        long now = clock.millis();
        long second = now / 1000;
        long minute = now / 60_000;
        long day = now / 86_400_000;
        Windows w = windows.computeIfAbsent(apiKey + "|" + operation, k -> new Windows());
        if (w.second != second) {
            w.second = second;
            w.burst = 0;
        }
        if (w.minute != minute) {
            w.minute = minute;
            w.steady = 0;
        }
        if (w.day != day) {
            w.day = day;
            w.daily = 0;
        }
        long minuteReset = ceilSeconds((minute + 1) * 60_000 - now);
        if (enforce) {
            if (limit.daily() > 0 && w.daily >= limit.daily()) {
                return new Decision(false, limit.steadyPerMinute(), 0, minuteReset, ceilSeconds((day + 1) * 86_400_000 - now), "daily");
            }
            if (w.steady >= limit.steadyPerMinute()) {
                return new Decision(false, limit.steadyPerMinute(), 0, minuteReset, minuteReset, "steady");
            }
            if (w.burst >= limit.burstPerSecond()) {
                return new Decision(false, limit.steadyPerMinute(), limit.steadyPerMinute() - w.steady, minuteReset,
                        ceilSeconds((second + 1) * 1000 - now), "burst");
            }
        }
        w.burst++;
        w.steady++;
        w.daily++;
        return new Decision(true, limit.steadyPerMinute(), Math.max(0, limit.steadyPerMinute() - w.steady), minuteReset, 0, null);
    }

    synchronized void reset() {
        windows.clear();
    }

    private static long ceilSeconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }
}
