package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.SegmentEvent;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which memberships an event adds and removes, given the contact's current segment ids. A full set
 * replaces; a delta edits; entering a segment already held keeps its original entry (no re-entry).
 *
 * @param toAdd    segment ids to enter, in the order the event lists them
 * @param toRemove segment ids to leave
 */
public record MembershipPlan(List<String> toAdd, Set<String> toRemove) {

    public static MembershipPlan of(Set<String> current, SegmentEvent event) {
        return switch (event.form()) {
            case FULL_SET -> {
                Set<String> wanted = new LinkedHashSet<>(event.segments());
                Set<String> remove = new LinkedHashSet<>(current);
                remove.removeAll(wanted);
                yield new MembershipPlan(wanted.stream().filter(s -> !current.contains(s)).toList(), remove);
            }
            case DELTA -> {
                Set<String> entered = new LinkedHashSet<>(event.entered() == null ? List.of() : event.entered());
                Set<String> remove = new LinkedHashSet<>(event.exited() == null ? List.of() : event.exited());
                remove.retainAll(current);
                yield new MembershipPlan(entered.stream().filter(s -> !current.contains(s)).toList(), remove);
            }
            case DELETION -> new MembershipPlan(List.of(), Set.copyOf(current));
        };
    }

    public boolean isEmpty() {
        return toAdd.isEmpty() && toRemove.isEmpty();
    }
}
