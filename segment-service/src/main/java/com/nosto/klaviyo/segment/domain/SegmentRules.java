package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import java.time.Instant;
import java.util.Optional;

/** What a merchant's change to a segment means downstream: which fan-out it starts, if any. */
public final class SegmentRules {

    /** A fan-out a segment change starts: its cause and whether it is the segment's first enable ever (G6). */
    public record Fanout(ChangeCause.Kind kind, boolean firstEnable) {
    }

    private SegmentRules() {
    }

    /**
     * Switching sync to {@code enable}: nothing when it already is (idempotent); on, a first enable only when the
     * segment was never enabled before (a re-enable is released in the regular window); off, the shrink.
     */
    public static Optional<Fanout> switchSync(boolean syncEnabled, Instant firstEnabledAt, boolean enable) {
        if (syncEnabled == enable) {
            return Optional.empty();
        }
        return Optional.of(enable ? new Fanout(ChangeCause.Kind.SYNC_ENABLED, firstEnabledAt == null)
                : new Fanout(ChangeCause.Kind.SYNC_DISABLED, false));
    }

    /** Renaming: only a synced segment's name reaches Klaviyo (G3: a rename reaches every member's properties). */
    public static Optional<Fanout> rename(String name, String newName, boolean syncEnabled) {
        return !name.equals(newName) && syncEnabled ? Optional.of(new Fanout(ChangeCause.Kind.RENAME, false)) : Optional.empty();
    }
}
