package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.SegmentRef;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A contact's synced segments (defined and sync on), in order of entry, oldest first: what downstream
 * turns into {@code nosto_segments} (all names) and {@code nosto_segment} (the last one).
 */
public final class SyncedView {

    /** One membership: which segment and when (in the contact's own entry order) it was entered. */
    public record Entry(String segmentId, long entrySeq) {
    }

    /** What the view needs of a segment definition. */
    public record Definition(String name, boolean syncEnabled) {
    }

    private SyncedView() {
    }

    public static List<SegmentRef> of(List<Entry> memberships, Map<String, Definition> definitions) {
        return memberships.stream()
                .filter(m -> {
                    Definition d = definitions.get(m.segmentId());
                    return d != null && d.syncEnabled();
                })
                .sorted(Comparator.comparingLong(Entry::entrySeq))
                .map(m -> new SegmentRef(m.segmentId(), definitions.get(m.segmentId()).name()))
                .toList();
    }

    /** The name of the synced segment entered most recently, or null when there is none. */
    public static String nostoSegment(List<SegmentRef> view) {
        return view.isEmpty() ? null : view.get(view.size() - 1).name();
    }
}
