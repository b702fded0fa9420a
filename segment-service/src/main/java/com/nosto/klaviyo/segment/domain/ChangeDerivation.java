package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.SegmentRef;
import java.util.List;
import java.util.Optional;

/**
 * Derives the change downstream must see from the synced view it last received and the view now.
 * Nothing is emitted when the synced view is unchanged: a membership change in unsynced segments
 * is invisible to Klaviyo.
 */
public final class ChangeDerivation {

    private ChangeDerivation() {
    }

    public static Optional<ChangeType> derive(List<SegmentRef> before, List<SegmentRef> after, boolean deleted) {
        if (deleted) {
            // A contact downstream never saw needs no erasure there; one it saw must be erased (G3).
            return before.isEmpty() ? Optional.empty() : Optional.of(ChangeType.DELETED);
        }
        if (before.equals(after)) {
            return Optional.empty();
        }
        if (before.isEmpty()) {
            return Optional.of(ChangeType.ADDED);
        }
        return Optional.of(after.isEmpty() ? ChangeType.REMOVED : ChangeType.MOVED);
    }

    /**
     * For a resync the state is restated even when unchanged: ADDED carries a non-empty view (idempotent
     * "be in the list with these properties"), REMOVED an empty one.
     */
    public static ChangeType restate(List<SegmentRef> before, List<SegmentRef> after) {
        return derive(before, after, false).orElse(after.isEmpty() ? ChangeType.REMOVED : ChangeType.ADDED);
    }
}
