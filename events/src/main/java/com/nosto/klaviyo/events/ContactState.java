package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * The desired Klaviyo state of one contact, as released by sync-worker.
 *
 * @param inList        whether the contact belongs in the "Nosto Customers" list (G2)
 * @param nostoSegment  value for {@code nosto_segment}; null means unset it
 * @param nostoSegments value for {@code nosto_segments}; empty means unset it
 * @param version       the membership version this state reflects; the gateway skips older ones (G8)
 * @param change        the net change since the last released state, for counting and call planning
 * @param restate       an operator's resync restates this contact: write it in full (properties and list
 *                      membership) even where the gateway's records say it was applied; false (absent) otherwise
 * @param pendingSince  when sync-worker recorded the first change this state carries (the contact became pending),
 *                      the start of the gateway's freshness histogram; absent from older producers
 */
public record ContactState(
        String email,
        boolean inList,
        String nostoSegment,
        List<String> nostoSegments,
        long version,
        ChangeType change,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean restate,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant pendingSince) {

    /** A released state without the time it became pending. */
    public ContactState(String email, boolean inList, String nostoSegment, List<String> nostoSegments, long version,
            ChangeType change, boolean restate) {
        this(email, inList, nostoSegment, nostoSegments, version, change, restate, null);
    }

    /** An ordinary released state (not a restatement). */
    public ContactState(String email, boolean inList, String nostoSegment, List<String> nostoSegments, long version,
            ChangeType change) {
        this(email, inList, nostoSegment, nostoSegments, version, change, false, null);
    }
}
