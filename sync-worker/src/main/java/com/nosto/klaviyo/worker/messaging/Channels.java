package com.nosto.klaviyo.worker.messaging;

/** Channel names (topic names live in configuration only). */
public final class Channels {
    /** In: MembershipChange records of {@code segment-membership-changes}, keyed account|email. */
    public static final String SEGMENT_MEMBERSHIP_CHANGES_IN = "segment-membership-changes-in";
    /** Out: DeadLetter records for changes that can never be applied. */
    public static final String SEGMENT_MEMBERSHIP_CHANGES_DLQ = "segment-membership-changes-dlq";
    /** Out: SyncBatch records of {@code klaviyo-sync-batches}, keyed by account. */
    public static final String KLAVIYO_SYNC_BATCHES_OUT = "klaviyo-sync-batches-out";
    /** CDI identifier of the consumer's rebalance listener. */
    public static final String REBALANCE_LISTENER = "segment-membership-changes-in.rebalancer";

    private Channels() {
    }
}
