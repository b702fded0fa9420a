package com.nosto.klaviyo.events;

import java.util.List;

/**
 * The desired Klaviyo state of one contact, as released by sync-worker.
 *
 * @param inList        whether the contact belongs in the "Nosto Customers" list (G2)
 * @param nostoSegment  value for {@code nosto_segment}; null means unset it
 * @param nostoSegments value for {@code nosto_segments}; empty means unset it
 * @param version       the membership version this state reflects; the gateway skips older ones (G8)
 * @param change        the net change since the last released state, for counting and call planning
 */
public record ContactState(
        String email,
        boolean inList,
        String nostoSegment,
        List<String> nostoSegments,
        long version,
        ChangeType change) {
}
