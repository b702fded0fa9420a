package com.nosto.klaviyo.common.ratelimit;

import java.time.Duration;

/**
 * A token bucket: holds up to {@code permits} tokens, refilled continuously at {@code permits} per {@code period};
 * a call takes one. Pure (time is passed in), thread-safe.
 */
public final class TokenBucket {

    private final int capacity;
    private final double tokensPerNano;
    private double tokens;
    private long lastNanos;

    public TokenBucket(int permits, Duration period, long nowNanos) {
        if (permits < 1 || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("permits must be at least 1 and period positive: " + permits + " per " + period);
        }
        this.capacity = permits;
        this.tokensPerNano = permits / (double) period.toNanos();
        this.tokens = permits;
        this.lastNanos = nowNanos;
    }

    /** Takes a token: {@link Duration#ZERO} when one was there, else how long until one will be (nothing taken). */
    public synchronized Duration tryTake(long nowNanos) {
        tokens = Math.min(capacity, tokens + Math.max(0, nowNanos - lastNanos) * tokensPerNano);
        lastNanos = Math.max(lastNanos, nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil((1 - tokens) / tokensPerNano));
    }
}
