package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.SegmentRef;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cause a segment event's change carries. Normally {@code MEMBERSHIP} (sync-worker releases it in the regular
 * window). But while a segment's first enable is still fanning out, an event can reach one of its members before the
 * fan-out does: the event then emits the contact's entry itself, and the fan-out, finding the contact already up to
 * date, emits nothing. Carrying {@code MEMBERSHIP}, that member would wait up to 12 hours although the segment was
 * switched on for the short window (G6). So a change in which the contact gains a segment whose first enable is
 * still running carries that first enable's cause (its {@code enabledAt}): it is released with the other members.
 * A contact that joins the segment while the fan-out runs counts as part of the first enable too, whether or not
 * the fan-out had passed its email.
 */
public final class MembershipCause {

    private MembershipCause() {
    }

    /**
     * @param before          the synced view downstream last received
     * @param after           the synced view after the event
     * @param firstEnables    segment id → cause of that segment's first enable, for those still fanning out
     */
    public static ChangeCause of(List<SegmentRef> before, List<SegmentRef> after, Map<String, ChangeCause> firstEnables) {
        if (firstEnables.isEmpty()) {
            return ChangeCause.membership();
        }
        Set<String> had = new HashSet<>();
        before.forEach(s -> had.add(s.id()));
        ChangeCause chosen = null;
        for (SegmentRef s : after) {
            ChangeCause running = firstEnables.get(s.id());
            // Of two first enables gained at once, the earlier one: its window ends first.
            if (running != null && !had.contains(s.id())
                    && (chosen == null || running.enabledAt().isBefore(chosen.enabledAt()))) {
                chosen = running;
            }
        }
        return chosen == null ? ChangeCause.membership() : chosen;
    }
}
