package com.nosto.klaviyo.worker.messaging;

/** Channel names (topic names live in configuration only). */
public final class Channels {
    /** In: MembershipChange records, keyed account|email. */
    public static final String MEMBERSHIP_CHANGES = "membership-changes";
    /** Out: DeadLetter records for changes that can never be applied. */
    public static final String MEMBERSHIP_CHANGES_DLQ = "membership-changes-dlq";
    /** Out: SyncBatch records, keyed by account. */
    public static final String SYNC_BATCHES = "sync-batches";
    /** CDI identifier of the consumer's rebalance listener. */
    public static final String REBALANCE_LISTENER = "membership-changes.rebalancer";

    private Channels() {
    }
}
