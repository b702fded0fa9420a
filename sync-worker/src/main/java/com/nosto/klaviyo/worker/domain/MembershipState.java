package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import java.util.List;
import java.util.Objects;

/**
 * What Klaviyo should show for one contact at one membership version: list membership and the two
 * properties (G2, G3). Used both for the pending (desired) state and for the last released one.
 *
 * @param deleted the change that produced this state was a deletion from Nosto (released as DELETED)
 */
public record MembershipState(boolean inList, String nostoSegment, List<String> nostoSegments, long version,
        boolean deleted) {

    public MembershipState {
        nostoSegments = nostoSegments == null ? List.of() : List.copyOf(nostoSegments);
    }

    /** Out of the list means both properties unset, whatever the change said (G3). */
    public static MembershipState from(MembershipChange change) {
        boolean deleted = change.type() == ChangeType.DELETED;
        List<String> names = change.segmentNamesAfter();
        boolean inList = !deleted && !names.isEmpty();
        return inList
                ? new MembershipState(true, change.nostoSegment(), names, change.version(), false)
                : new MembershipState(false, null, List.of(), change.version(), deleted);
    }

    /** Same Klaviyo outcome: membership and, when listed, both properties. Version is not compared. */
    public boolean sameKlaviyoStateAs(MembershipState other) {
        boolean otherInList = other != null && other.inList;
        if (inList != otherInList) {
            return false;
        }
        return !inList || (Objects.equals(nostoSegment, other.nostoSegment) && nostoSegments.equals(other.nostoSegments));
    }
}
