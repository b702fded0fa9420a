package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Builds the emitted records; events are payload classes built here, never entities. */
public final class ChangeFactory {

    private ChangeFactory() {
    }

    public static MembershipChange change(ChangeType type, String accountId, String email, long version,
            List<SegmentRef> before, List<SegmentRef> after, ChangeCause cause, Instant now) {
        return new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), type, accountId, email, version,
                List.copyOf(before), List.copyOf(after), SyncedView.nostoSegment(after), cause, now);
    }
}
