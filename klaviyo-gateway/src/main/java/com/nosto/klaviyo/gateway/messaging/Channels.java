package com.nosto.klaviyo.gateway.messaging;

/** The gateway's channels; topic names are configuration (application.properties). */
public final class Channels {

    /** klaviyo-sync-batches, from sync-worker: SyncBatch JSON keyed by account. */
    public static final String SYNC_BATCHES_IN = "klaviyo-sync-batches-in";
    /** klaviyo-sync-batches-dlq: a DeadLetter for each record that is not a valid SyncBatch. */
    public static final String SYNC_BATCHES_DLQ = "klaviyo-sync-batches-dlq";

    private Channels() {
    }
}
