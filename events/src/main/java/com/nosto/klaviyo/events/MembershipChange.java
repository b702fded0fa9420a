package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Output of segment-service on {@code segment-membership-changes}, keyed by {@link ContactKey}.
 * States the contact's synced segments before and after, so a consumer needs no other state.
 *
 * @param schemaVersion  contract version of this record (currently 1)
 * @param eventId        unique id; consumers dedupe by it (outbox relays at least once)
 * @param version        grows strictly per contact; a consumer never lets a lower version win (G8)
 * @param nostoSegment   name of the synced segment the contact entered most recently, null when none
 * @param segmentsAfter  synced segments after the change, in order of entry (oldest first)
 */
public record MembershipChange(
        int schemaVersion,
        UUID eventId,
        ChangeType type,
        String accountId,
        String email,
        long version,
        List<SegmentRef> segmentsBefore,
        List<SegmentRef> segmentsAfter,
        String nostoSegment,
        ChangeCause cause,
        Instant occurredAt) {

    public static final int SCHEMA_VERSION = 1;

    @JsonIgnore
    public ContactKey contactKey() {
        return new ContactKey(accountId, email);
    }

    /** The names for Klaviyo's {@code nosto_segments} property. */
    @JsonIgnore
    public List<String> segmentNamesAfter() {
        return segmentsAfter == null ? List.of() : segmentsAfter.stream().map(SegmentRef::name).toList();
    }
}
