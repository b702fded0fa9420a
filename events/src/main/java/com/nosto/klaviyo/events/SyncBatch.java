package com.nosto.klaviyo.events;

import java.time.Instant;
import java.util.List;

/**
 * Output of sync-worker on {@code klaviyo-sync-batches}, keyed by account id: desired states of a
 * chunk of one window's contacts.
 *
 * @param batchId  deterministic ({@code account/window/partition/sequence}), so a re-publish after a
 *                 crash carries the same id and the gateway recognises it
 * @param windowId identifies the release (account, kind, end time); all batches of one window share it
 */
public record SyncBatch(
        int schemaVersion,
        String batchId,
        String accountId,
        String windowId,
        WindowKind windowKind,
        int sequence,
        Instant windowEnd,
        Instant createdAt,
        List<ContactState> contacts) {

    public static final int SCHEMA_VERSION = 1;
}
