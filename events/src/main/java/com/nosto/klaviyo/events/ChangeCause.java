package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * Why a membership change was emitted. {@code firstEnable} marks changes caused by a segment's
 * sync being switched on for the first time: sync-worker releases those in the short window (G6).
 *
 * @param enabledAt when the segment's sync was switched on; set on first-enable changes (absent on
 *                  records of producers older than this field). Every change of one first enable carries
 *                  the same instant, so sync-worker ends their short window at {@code enabledAt} + its
 *                  length on every partition: one window, and "within 1 hour of switching on" (G6)
 *                  however late the fan-out reached the contact.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChangeCause(Kind kind, String segmentId, boolean firstEnable, Instant enabledAt) {

    public enum Kind {
        /** A segment event changed the contact's membership. */
        MEMBERSHIP,
        /** A segment's sync was switched on. */
        SYNC_ENABLED,
        /** A segment's sync was switched off. */
        SYNC_DISABLED,
        /** A synced segment was renamed. */
        RENAME,
        /** An operator asked for the account's full state again. */
        RESYNC,
        /** The contact was deleted from Nosto. */
        DELETION
    }

    public static ChangeCause membership() {
        return new ChangeCause(Kind.MEMBERSHIP, null, false, null);
    }

    public static ChangeCause of(Kind kind, String segmentId) {
        return new ChangeCause(kind, segmentId, false, null);
    }

    public static ChangeCause firstEnable(String segmentId, Instant enabledAt) {
        return new ChangeCause(Kind.SYNC_ENABLED, segmentId, true, enabledAt);
    }
}
