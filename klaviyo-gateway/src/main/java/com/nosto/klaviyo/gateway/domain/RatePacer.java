package com.nosto.klaviyo.gateway.domain;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-account, per-operation pacing in Klaviyo's own terms: fixed 1 s and 1 min windows (G10). A caller asks
 * {@link #reserve}; a zero wait grants a slot now, a positive wait means "ask again after it". Klaviyo's
 * answers tighten it: {@code RateLimit-Remaining: 0} or a 429 blocks the bucket until the stated reset.
 * <p>
 * Klaviyo counts a call in the window in which it <em>arrives</em>, not the one in which it was sent: a call sent
 * in the last {@code margin} of a window may be counted in the next one. So such a call is charged to both
 * windows, and the next window grants only what is left. At the limit the calls of a window go out at its start
 * (they were waiting for it), so the margin costs nothing then; it only stops a window's stragglers from pushing
 * the next window over the limit, which Klaviyo answers with a 429 and a whole second's wait.
 * <p>
 * An account's buckets travel with its lease ({@link #export}, {@link #restore}): the replica that applies an
 * account next starts from what the previous one spent, not from a full budget. Bucket keys are
 * {@link #key}.
 */
public final class RatePacer {

    private static final char SEPARATOR = '\n';

    private final LongSupplier clockMillis;
    private final long marginMillis;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RatePacer(LongSupplier clockMillis) {
        this(clockMillis, Duration.ZERO);
    }

    /** {@code margin}: calls sent this close to a window's end are counted in the next window too (below 1 s). */
    public RatePacer(LongSupplier clockMillis, Duration margin) {
        if (margin.isNegative() || margin.toMillis() >= 1000) {
            throw new IllegalArgumentException("margin must be within [0, 1s): " + margin);
        }
        this.clockMillis = clockMillis;
        this.marginMillis = margin.toMillis();
    }

    /** The bucket of one account's operation (a separator no account id or operation id contains). */
    public static String key(String accountId, String operation) {
        return accountId + SEPARATOR + operation;
    }

    public Duration reserve(String bucketKey, RateLimit limit) {
        Bucket b = buckets.computeIfAbsent(bucketKey, k -> new Bucket());
        synchronized (b) {
            long now = clockMillis.getAsLong();
            if (now < b.blockedUntil) {
                return Duration.ofMillis(b.blockedUntil - now);
            }
            b.second.roll(now / 1000);
            b.minute.roll(now / 60_000);
            if (b.minute.count >= limit.perMinute()) {
                return Duration.ofMillis((now / 60_000 + 1) * 60_000 - now);
            }
            if (b.second.count >= limit.perSecond()) {
                return Duration.ofMillis((now / 1000 + 1) * 1000 - now);
            }
            b.second.charge(now % 1000 >= 1000 - marginMillis);
            b.minute.charge(now % 60_000 >= 60_000 - marginMillis);
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

    /** One bucket as saved with an account's lease: its two windows (index, count, carried) and its block. */
    public record BucketState(long second, int secondCount, int secondCarried, long minute, int minuteCount, int minuteCarried,
            long blockedUntil) {
    }

    /**
     * The account's buckets (operation → state), and forgets them here: the lease row keeps them while the account is
     * not applied by this replica, so the pacer holds only the accounts in work.
     */
    public Map<String, BucketState> export(String accountId, boolean forget) {
        String prefix = accountId + SEPARATOR;
        Map<String, BucketState> out = new HashMap<>();
        for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                Bucket b = e.getValue();
                synchronized (b) {
                    out.put(e.getKey().substring(prefix.length()), new BucketState(b.second.index, b.second.count,
                            b.second.carried, b.minute.index, b.minute.count, b.minute.carried, b.blockedUntil));
                }
                if (forget) {
                    buckets.remove(e.getKey(), b);
                }
            }
        }
        return out;
    }

    /**
     * Adds what another replica spent of the account's budget (saved with the lease): per window the larger count,
     * per block the later end. Merging, not replacing, so a restore can never hand out calls already made here.
     */
    public void restore(String accountId, Map<String, BucketState> saved) {
        saved.forEach((operation, s) -> {
            Bucket b = buckets.computeIfAbsent(key(accountId, operation), k -> new Bucket());
            synchronized (b) {
                b.second.merge(s.second(), s.secondCount(), s.secondCarried());
                b.minute.merge(s.minute(), s.minuteCount(), s.minuteCarried());
                b.blockedUntil = Math.max(b.blockedUntil, s.blockedUntil());
            }
        });
    }

    /** Calls counted in the current window, and those of its end also counted in the next one. */
    private static final class Window {
        long index = -1;
        int count;
        int carried;

        void roll(long now) {
            if (now != index) {
                count = now == index + 1 ? carried : 0;
                carried = 0;
                index = now;
            }
        }

        void merge(long otherIndex, int otherCount, int otherCarried) {
            if (otherIndex > index) {
                index = otherIndex;
                count = otherCount;
                carried = otherCarried;
            } else if (otherIndex == index) {
                count = Math.max(count, otherCount);
                carried = Math.max(carried, otherCarried);
            }
        }

        void charge(boolean nearEnd) {
            count++;
            if (nearEnd) {
                carried++;
            }
        }
    }

    private static final class Bucket {
        final Window second = new Window();
        final Window minute = new Window();
        long blockedUntil;
    }
}
