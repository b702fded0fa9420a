package com.nosto.klaviyo.gateway.domain;

import java.util.function.LongSupplier;

/**
 * One replica's lease on one account: while it is valid, this replica is the only one that calls Klaviyo for the
 * account. The database grants it for {@code ttl} from its own clock; this side counts it from its monotonic clock,
 * taken <em>before</em> the statement that granted or renewed it was sent, and stops {@code margin} short of the end.
 * So it expires here before it can expire in the database, with no synchronised clocks (only clock rates that agree
 * within margin / ttl).
 */
public final class AccountLease {

    private final String accountId;
    private final String holder;
    private final long ttlNanos;
    private final long marginNanos;
    private final LongSupplier nanoClock;
    private final String previousWaiting;
    private final int failures;
    private volatile long validUntil;
    private volatile boolean released;

    /**
     * @param askedAtNanos    the monotonic time taken just before the grant was asked for
     * @param previousWaiting what the account was waiting for when the lease was taken (null: nothing)
     * @param failures        its consecutive failures to reach Klaviyo so far (the backoff's count)
     */
    public AccountLease(String accountId, String holder, long askedAtNanos, long ttlNanos, long marginNanos, LongSupplier nanoClock,
            String previousWaiting, int failures) {
        if (marginNanos >= ttlNanos) {
            throw new IllegalArgumentException("the lease margin must be shorter than its time to live");
        }
        this.accountId = accountId;
        this.holder = holder;
        this.ttlNanos = ttlNanos;
        this.marginNanos = marginNanos;
        this.nanoClock = nanoClock;
        this.previousWaiting = previousWaiting;
        this.failures = failures;
        this.validUntil = askedAtNanos + ttlNanos - marginNanos;
    }

    public String accountId() {
        return accountId;
    }

    /** The token written in the lease row: unique per grant. */
    public String holder() {
        return holder;
    }

    public String previousWaiting() {
        return previousWaiting;
    }

    public int failures() {
        return failures;
    }

    /** Still this replica's to act on (checked before every Klaviyo call). */
    public boolean valid() {
        return !released && nanoClock.getAsLong() < validUntil;
    }

    /** Throws {@link LeaseLostException} unless {@link #valid()}. */
    public void check() {
        if (!valid()) {
            throw new LeaseLostException(accountId);
        }
    }

    /** The database renewed it; the renewal was asked for at {@code askedAtNanos}. */
    public void renewed(long askedAtNanos) {
        validUntil = Math.max(validUntil, askedAtNanos + ttlNanos - marginNanos);
    }

    /** Released, or found taken by another replica: no more calls under it. */
    public void end() {
        released = true;
    }

    /** The lease ended before the work under it was done: the work stops without recording anything. */
    public static final class LeaseLostException extends RuntimeException {

        public LeaseLostException(String accountId) {
            super("the lease on account " + accountId + " is no longer held by this replica", null, false, false);
        }
    }
}
