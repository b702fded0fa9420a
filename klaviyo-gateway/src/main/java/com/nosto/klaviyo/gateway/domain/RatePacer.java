package com.nosto.klaviyo.gateway.domain;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-account, per-tier pacing in Klaviyo's own terms: fixed 1 s and 1 min windows (G10). A caller asks
 * {@link #reserve}; a zero wait grants a slot now, a positive wait means "ask again after it". Klaviyo's
 * answers tighten it: {@code RateLimit-Remaining: 0} or a 429 blocks the bucket until the stated reset.
 */
public final class RatePacer {

    private final LongSupplier clockMillis;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RatePacer(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    public Duration reserve(String bucketKey, RateLimit limit) {
        Bucket b = buckets.computeIfAbsent(bucketKey, k -> new Bucket());
        synchronized (b) {
            long now = clockMillis.getAsLong();
            if (now < b.blockedUntil) {
                return Duration.ofMillis(b.blockedUntil - now);
            }
            long second = now / 1000;
            long minute = now / 60_000;
            if (second != b.second) {
                b.second = second;
                b.inSecond = 0;
            }
            if (minute != b.minute) {
                b.minute = minute;
                b.inMinute = 0;
            }
            if (b.inMinute >= limit.perMinute()) {
                return Duration.ofMillis((minute + 1) * 60_000 - now);
            }
            if (b.inSecond >= limit.perSecond()) {
                return Duration.ofMillis((second + 1) * 1000 - now);
            }
            b.inSecond++;
            b.inMinute++;
            return Duration.ZERO;
        }
    }

    /** Klaviyo said no more calls until {@code wait} from now (429 Retry-After, or Remaining 0 + Reset). */
    public void blockFor(String bucketKey, Duration wait) {
        Bucket b = buckets.computeIfAbsent(bucketKey, k -> new Bucket());
        synchronized (b) {
            b.blockedUntil = Math.max(b.blockedUntil, clockMillis.getAsLong() + wait.toMillis());
        }
    }

    private static final class Bucket {
        long second = -1;
        long minute = -1;
        int inSecond;
        int inMinute;
        long blockedUntil;
    }
}
