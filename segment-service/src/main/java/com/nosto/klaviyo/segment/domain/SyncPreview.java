package com.nosto.klaviyo.segment.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * What switching a segment's sync would do in Klaviyo, before it is switched: the merchant's "this adds N contacts to
 * the list and changes M profiles' properties". Computed from the segment's members now and whether each is also in
 * another synced segment, which is exactly what the switch's fan-out will diff against.
 *
 * @param segmentId          the segment
 * @param enable             the switch previewed: on (true) or off (false)
 * @param changes            false when the segment already is in that state: the switch would change nothing
 * @param firstEnable        true when switching on would be the segment's first enable (released within the hour)
 * @param members            the segment's members now
 * @param addedToList        members who would join the Klaviyo list (on; in no other synced segment)
 * @param removedFromList    members who would leave the list (off; in no other synced segment)
 * @param propertiesChanged  members who stay in the list with other {@code nosto_segment(s)} properties
 */
public record SyncPreview(String segmentId, boolean enable, boolean changes, boolean firstEnable, long members,
        long addedToList, long removedFromList, long propertiesChanged) {

    /**
     * The preview from the segment's counts.
     *
     * @param syncEnabled          whether the segment is synced now
     * @param firstEnabledAt       when it was first switched on; null if never (a re-enable is not a first enable)
     * @param members              its members now
     * @param inOtherSyncedSegment those of them who are also in another synced segment (already in the list)
     */
    public static SyncPreview of(String segmentId, boolean syncEnabled, Instant firstEnabledAt, boolean enable, long members,
            long inOtherSyncedSegment) {
        if (inOtherSyncedSegment < 0 || inOtherSyncedSegment > members) {
            throw new IllegalArgumentException("members in other synced segments must be within 0.." + members);
        }
        Optional<SegmentRules.Fanout> fanout = SegmentRules.switchSync(syncEnabled, firstEnabledAt, enable);
        if (fanout.isEmpty()) {
            return new SyncPreview(segmentId, enable, false, false, members, 0, 0, 0);
        }
        long alone = members - inOtherSyncedSegment;
        return enable ? new SyncPreview(segmentId, true, true, fanout.get().firstEnable(), members, alone, 0, inOtherSyncedSegment)
                : new SyncPreview(segmentId, false, true, false, members, 0, alone, inOtherSyncedSegment);
    }
}
