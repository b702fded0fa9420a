package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.SegmentRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyncedViewTest {

    private final Map<String, SyncedView.Definition> defs = Map.of(
            "vip", new SyncedView.Definition("VIP", true),
            "bean", new SyncedView.Definition("Whole bean", true),
            "off", new SyncedView.Definition("Not synced", false));

    @Test
    void onlyDefinedSyncedSegmentsInEntryOrder() {
        List<SegmentRef> view = SyncedView.of(List.of(
                new SyncedView.Entry("bean", 5), new SyncedView.Entry("undefined", 1),
                new SyncedView.Entry("off", 7), new SyncedView.Entry("vip", 2)), defs);
        assertThat(view).containsExactly(new SegmentRef("vip", "VIP"), new SegmentRef("bean", "Whole bean"));
    }

    @Test
    void nostoSegmentIsTheSyncedSegmentEnteredMostRecently() {
        List<SegmentRef> view = SyncedView.of(List.of(new SyncedView.Entry("bean", 5), new SyncedView.Entry("vip", 2),
                new SyncedView.Entry("off", 9)), defs);
        assertThat(SyncedView.nostoSegment(view)).isEqualTo("Whole bean");
        assertThat(SyncedView.nostoSegment(List.of())).isNull();
    }
}
