package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Why a membership change was emitted. {@code firstEnable} marks changes caused by a segment's
 * sync being switched on for the first time: sync-worker releases those in the short window (G6).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChangeCause(Kind kind, String segmentId, boolean firstEnable) {

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
        return new ChangeCause(Kind.MEMBERSHIP, null, false);
    }

    public static ChangeCause of(Kind kind, String segmentId) {
        return new ChangeCause(kind, segmentId, false);
    }

    public static ChangeCause firstEnable(String segmentId) {
        return new ChangeCause(Kind.SYNC_ENABLED, segmentId, true);
    }
}
