package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * Output of sync-worker on {@code klaviyo-sync-batches}, keyed by account id: desired states of a
 * chunk of one window's contacts.
 *
 * <p>A window is released per source partition of {@code segment-membership-changes}, possibly by several
 * sync-worker instances. Each partition ends its part of a window with a batch whose {@code last} is true and
 * whose {@code windowPartitions} says how many source partitions the window has in all (the end marker; it may
 * carry no contacts). A consumer that has seen the end markers of {@code windowPartitions} distinct source
 * partitions holds the whole window. Records of producers older than these fields have
 * {@code sourcePartition} and {@code windowPartitions} absent and {@code last} false.
 *
 * @param batchId          deterministic ({@code account/window/partition/sequence}), so a re-publish after a
 *                         crash carries the same id and the gateway recognises it
 * @param windowId         identifies the release (account, kind, end time); all batches of one window share it
 * @param contacts         desired states; empty only in an end marker
 * @param sourcePartition  the partition of {@code segment-membership-changes} whose contacts this batch carries
 * @param last             true on the last batch of {@code sourcePartition} for this window
 * @param windowPartitions on a last batch: how many source partitions release this window in all; else absent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SyncBatch(
        int schemaVersion,
        String batchId,
        String accountId,
        String windowId,
        WindowKind windowKind,
        int sequence,
        Instant windowEnd,
        Instant createdAt,
        List<ContactState> contacts,
        Integer sourcePartition,
        boolean last,
        Integer windowPartitions) {

    public static final int SCHEMA_VERSION = 1;

    /** A batch of contacts of one window from one source partition ({@code sequence} counts the partition's batches). */
    public static SyncBatch contacts(String batchId, String accountId, String windowId, WindowKind kind, int sequence,
            Instant windowEnd, Instant createdAt, List<ContactState> contacts, int sourcePartition) {
        return new SyncBatch(SCHEMA_VERSION, batchId, accountId, windowId, kind, sequence, windowEnd, createdAt,
                List.copyOf(contacts), sourcePartition, false, null);
    }

    /** The last batch of a source partition for a window: no contacts, and how many partitions the window has. */
    public static SyncBatch endMarker(String batchId, String accountId, String windowId, WindowKind kind, int sequence,
            Instant windowEnd, Instant createdAt, int sourcePartition, int windowPartitions) {
        return new SyncBatch(SCHEMA_VERSION, batchId, accountId, windowId, kind, sequence, windowEnd, createdAt, List.of(),
                sourcePartition, true, windowPartitions);
    }

    /**
     * True when this batch is a usable end marker: it ends its source partition's part of the window and says how
     * many parts there are. The schema already refuses a negative partition or a count below 1; this says so again
     * for the consumers that count markers (the gateway's grouper and its record of applied markers), so that a
     * record the schema did not see can never complete a window.
     */
    @JsonIgnore
    public boolean endsPartition() {
        return last && sourcePartition != null && sourcePartition >= 0 && windowPartitions != null && windowPartitions > 0;
    }
}
