package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.WindowKind;
import java.time.Duration;
import java.time.Instant;

/**
 * When windows end and how their releases are named. Regular windows of an account sit on a fixed
 * grid (anchor + n × length) anchored when the account was first seen, so every instance and every
 * restart computes the same window ends from stored data alone.
 */
public final class WindowRules {

    private WindowRules() {
    }

    /** The first regular window end strictly after {@code now}. */
    public static Instant nextRegularEnd(Instant anchor, Duration length, Instant now) {
        if (now.isBefore(anchor)) {
            return anchor.plus(length);
        }
        long elapsed = Duration.between(anchor, now).toMillis();
        long n = elapsed / length.toMillis() + 1;
        return anchor.plusMillis(n * length.toMillis());
    }

    /**
     * A first enable's members are due one first-enable window after it started ({@code enabledAt}): the same
     * end on every partition for one enable, in the past already when the worker is that far behind (then due at
     * the next tick).
     */
    public static Instant firstEnableEnd(Instant firstEnableSince, Duration length) {
        return firstEnableSince.plus(length);
    }

    /** {@code account/KIND/end}: one id per release of one account's window. */
    public static String windowId(String accountId, WindowKind kind, Instant end) {
        return accountId + "/" + kind + "/" + end;
    }

    /** {@code account/KIND/end/partition/sequence}: the same chunk always gets the same id. */
    public static String batchId(String windowId, int partition, int sequence) {
        return windowId + "/" + partition + "/" + sequence;
    }
}
