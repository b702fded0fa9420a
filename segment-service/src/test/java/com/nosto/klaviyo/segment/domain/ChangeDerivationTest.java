package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.SegmentRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeDerivationTest {

    private static final SegmentRef VIP = new SegmentRef("vip", "VIP");
    private static final SegmentRef BEAN = new SegmentRef("bean", "Whole bean");

    @Test
    void noneToSomeIsAdded() {
        assertThat(ChangeDerivation.derive(List.of(), List.of(VIP), false)).contains(ChangeType.ADDED);
    }

    @Test
    void someToDifferentSomeIsMoved() {
        assertThat(ChangeDerivation.derive(List.of(VIP), List.of(VIP, BEAN), false)).contains(ChangeType.MOVED);
    }

    @Test
    void renameOfASyncedSegmentIsMoved() {
        assertThat(ChangeDerivation.derive(List.of(VIP), List.of(new SegmentRef("vip", "Very important")), false))
                .contains(ChangeType.MOVED);
    }

    @Test
    void someToNoneIsRemoved() {
        assertThat(ChangeDerivation.derive(List.of(VIP), List.of(), false)).contains(ChangeType.REMOVED);
    }

    @Test
    void unchangedViewEmitsNothing() {
        assertThat(ChangeDerivation.derive(List.of(VIP, BEAN), List.of(VIP, BEAN), false)).isEmpty();
        assertThat(ChangeDerivation.derive(List.of(), List.of(), false)).isEmpty();
    }

    @Test
    void deletionOfASyncedContactIsDeleted() {
        assertThat(ChangeDerivation.derive(List.of(VIP), List.of(), true)).contains(ChangeType.DELETED);
    }

    @Test
    void deletionOfAContactDownstreamNeverSawEmitsNothing() {
        assertThat(ChangeDerivation.derive(List.of(), List.of(), true)).isEmpty();
    }

    @Test
    void resyncRestatesUnchangedState() {
        assertThat(ChangeDerivation.restate(List.of(VIP), List.of(VIP))).isEqualTo(ChangeType.ADDED);
        assertThat(ChangeDerivation.restate(List.of(), List.of())).isEqualTo(ChangeType.REMOVED);
        assertThat(ChangeDerivation.restate(List.of(VIP), List.of(BEAN))).isEqualTo(ChangeType.MOVED);
    }
}
