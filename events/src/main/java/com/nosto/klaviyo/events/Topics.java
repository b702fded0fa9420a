package com.nosto.klaviyo.events;

/**
 * Default topic names of the public contract. Services read the actual names from configuration
 * (each overridable); these constants are the defaults and the names used in docs and tests.
 */
public final class Topics {
    /** Input: shoppers' segment membership, one {@link SegmentEvent} a record, keyed by account|email. */
    public static final String SEGMENT_EVENTS = "segment-events";
    public static final String SEGMENT_EVENTS_DLQ = "segment-events-dlq";
    /** segment-service → sync-worker: one {@link MembershipChange} a record, keyed by {@link ContactKey}. */
    public static final String MEMBERSHIP_CHANGES = "segment-membership-changes";
    public static final String MEMBERSHIP_CHANGES_DLQ = "segment-membership-changes-dlq";
    /** sync-worker → klaviyo-gateway: one {@link SyncBatch} a record, keyed by account id. */
    public static final String SYNC_BATCHES = "klaviyo-sync-batches";
    public static final String SYNC_BATCHES_DLQ = "klaviyo-sync-batches-dlq";

    private Topics() {
    }
}
