package com.nosto.klaviyo.worker.service;

import java.time.Instant;

/**
 * Body of {@code GET /api/accounts/{accountId}/windows}.
 *
 * @param regular     the 12-hour window: contacts waiting only for it
 * @param firstEnable the 1-hour window: contacts from a first enable
 * @param unpublishedBatches SyncBatches already released (their contacts no longer pending) but not yet on
 *                           {@code klaviyo-sync-batches}: a release is out when both counts are 0
 */
public record WindowStatus(String accountId, Window regular, Window firstEnable, long unpublishedBatches) {

    /**
     * @param length         configured window length, ISO-8601 ("PT12H")
     * @param nextReleaseAt  regular: when the earliest partition of this account is due, or with nothing waiting the
     *                       next end on the account's 12-hour grid (null only for an account never seen); first enable:
     *                       when its contacts are due, null when none waits
     * @param pendingContacts contacts waiting for this kind of window
     */
    public record Window(String length, Instant nextReleaseAt, long pendingContacts) {
    }
}
