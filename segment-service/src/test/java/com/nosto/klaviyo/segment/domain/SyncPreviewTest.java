package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SyncPreviewTest {

    private static final Instant EARLIER = Instant.parse("2026-11-01T00:00:00Z");

    @Test
    void switchingOnAddsTheMembersInNoOtherSyncedSegmentAndChangesTheOthersProperties() {
        SyncPreview p = SyncPreview.of("vip", false, null, true, 10, 3);
        assertThat(p).isEqualTo(new SyncPreview("vip", true, true, true, 10, 7, 0, 3));
    }

    @Test
    void aReEnableIsNotAFirstEnable() {
        assertThat(SyncPreview.of("vip", false, EARLIER, true, 4, 0).firstEnable()).isFalse();
        assertThat(SyncPreview.of("vip", false, EARLIER, true, 4, 0).addedToList()).isEqualTo(4);
    }

    @Test
    void switchingOffRemovesTheMembersInNoOtherSyncedSegment() {
        SyncPreview p = SyncPreview.of("vip", true, EARLIER, false, 10, 4);
        assertThat(p).isEqualTo(new SyncPreview("vip", false, true, false, 10, 0, 6, 4));
    }

    @Test
    void theCurrentStateChangesNothing() {
        assertThat(SyncPreview.of("vip", true, EARLIER, true, 10, 4)).isEqualTo(new SyncPreview("vip", true, false, false, 10, 0, 0, 0));
        assertThat(SyncPreview.of("vip", false, null, false, 10, 4).changes()).isFalse();
    }

    @Test
    void countsOutsideTheMembersAreRefused() {
        assertThatThrownBy(() -> SyncPreview.of("vip", false, null, true, 2, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
