package com.nosto.klaviyo.gateway.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * How far an audit's read of the list got: the list, the intent (dry run or repair), the cursor of the page still to read
 * ({@code nextLink}, null once every page was read) and the pages read, saved after each page.
 */
public record AuditProgress(String accountId, String listId, boolean repair, String nextLink, int pages, Instant startedAt,
        Instant updatedAt) {

    public static AuditProgress start(String accountId, String listId, boolean repair, Instant now) {
        return new AuditProgress(accountId, listId, repair, null, 0, now, now);
    }

    /** One more page read; {@code next} is where the read goes on (null: the last page). */
    public AuditProgress page(String next, Instant now) {
        return new AuditProgress(accountId, listId, repair, next, pages + 1, startedAt, now);
    }

    /**
     * Whether an audit of {@code listId} starting {@code now} may go on from this read rather than start over: same list,
     * saved within {@code within}, and (checked by the caller) no window changed the ledger since the read started, so the
     * members it holds were read against the model the audit compares with.
     */
    public boolean resumableFor(String listId, Instant now, Duration within) {
        return this.listId.equals(listId) && pages > 0 && !updatedAt.plus(within).isBefore(now);
    }

    /** Every page read. */
    public boolean complete() {
        return pages > 0 && nextLink == null;
    }
}
