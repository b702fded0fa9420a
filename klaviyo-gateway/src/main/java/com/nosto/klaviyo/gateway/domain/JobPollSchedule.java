package com.nosto.klaviyo.gateway.domain;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When to poll a Klaviyo bulk import job. Bulk job polls have their own, small quota, and a job never completes
 * within the request that created it, so polling at once only spends quota. The first poll of a job waits
 * {@code initial}, or, when the account's earlier jobs took longer, about as long as they took (at most
 * {@code max}), so a job is usually found complete at its first poll. After a learnt first wait the next is
 * {@code initial}; each following one doubles, up to {@code max}.
 *
 * <p>Learning: a job complete at its first poll makes the next first wait a tenth shorter (it follows jobs getting
 * faster); a job that needed more polls sets it to the time that job took. One instance serves every account.
 */
public final class JobPollSchedule {

    private final Duration initial;
    private final Duration max;
    private final Map<String, Long> learntMillis = new ConcurrentHashMap<>();

    public JobPollSchedule(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("poll intervals need 0 < initial <= max: " + initial + ", " + max);
        }
        this.initial = initial;
        this.max = max;
    }

    /** The wait before the first poll of a job this account just submitted. */
    public Duration firstWait(String accountId) {
        Long learnt = learntMillis.get(accountId);
        if (learnt == null || learnt <= initial.toMillis()) {
            return initial;
        }
        return Duration.ofMillis(Math.min(learnt, max.toMillis()));
    }

    /** The wait before poll {@code polls + 1}, after {@code polls} polls found the job unfinished. */
    public Duration nextWait(Duration previous, Duration first, int polls) {
        if (polls == 1 && first.compareTo(initial) > 0) {
            return initial;
        }
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }

    /** A job of this account completed at poll {@code polls}, {@code took} after it was submitted. */
    public void completed(String accountId, Duration first, int polls, Duration took) {
        learntMillis.put(accountId, polls == 1 ? first.toMillis() * 9 / 10 : took.toMillis());
    }
}
