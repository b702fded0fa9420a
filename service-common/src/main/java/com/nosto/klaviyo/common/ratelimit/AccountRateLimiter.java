package com.nosto.klaviyo.common.ratelimit;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link TokenBucket} per (bucket, account), in this replica's memory: with N replicas an account may get up to
 * N times the permits. It keeps a runaway client from piling up work (fan-outs, releases, Klaviyo calls); it is not
 * a quota. Buckets are as many as accounts that used an endpoint (account ids are checked before it runs).
 */
@ApplicationScoped
public class AccountRateLimiter {

    private static final RateLimitConfig.Bucket UNCONFIGURED = new RateLimitConfig.Bucket() {
        @Override
        public int permits() {
            return 10;
        }

        @Override
        public Duration period() {
            return Duration.ofMinutes(1);
        }
    };

    private final RateLimitConfig config;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public AccountRateLimiter(RateLimitConfig config) {
        this.config = config;
    }

    /** {@link Duration#ZERO} when the call may go ahead, else how long the caller should wait. */
    public Duration tryAcquire(String bucket, String accountId) {
        long now = System.nanoTime();
        RateLimitConfig.Bucket limits = config.buckets().getOrDefault(bucket, UNCONFIGURED);
        return buckets.computeIfAbsent(bucket + "|" + accountId, k -> new TokenBucket(limits.permits(), limits.period(), now))
                .tryTake(now);
    }
}
