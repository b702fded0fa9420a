package com.nosto.klaviyo.gateway.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;

/**
 * When each account's scheduled audit is due: every {@code interval}, at an offset within the interval taken from a hash
 * of the account id, so accounts are spread over the interval instead of all starting together (pure).
 */
public final class AuditSchedule {

    private final long intervalMillis;

    public AuditSchedule(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the audit interval must be positive");
        }
        this.intervalMillis = interval.toMillis();
    }

    /** The account's offset within the interval (stable across replicas and restarts). */
    public long offsetMillis(String accountId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(accountId.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return Math.floorMod(v, intervalMillis);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The latest time at or before {@code now} the account's audit was due. */
    public Instant lastDue(String accountId, Instant now) {
        long offset = offsetMillis(accountId);
        long t = now.toEpochMilli() - offset;
        return Instant.ofEpochMilli(Math.floorDiv(t, intervalMillis) * intervalMillis + offset);
    }

    /**
     * Whether the account is to be audited now: a due time passed since it was last audited (or, never audited, since it
     * connected).
     */
    public boolean due(String accountId, Instant now, Instant connectedAt, Instant lastAudit) {
        Instant due = lastDue(accountId, now);
        Instant since = lastAudit != null ? lastAudit : connectedAt;
        return since == null || since.isBefore(due);
    }
}
