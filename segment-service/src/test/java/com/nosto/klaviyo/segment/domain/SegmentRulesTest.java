package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeCause;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SegmentRulesTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    @Test
    void theFirstEnableEverIsAFirstEnableAndALaterOneIsNot() {
        assertThat(SegmentRules.switchSync(false, null, true)).contains(new SegmentRules.Fanout(ChangeCause.Kind.SYNC_ENABLED, true));
        assertThat(SegmentRules.switchSync(false, T0, true)).contains(new SegmentRules.Fanout(ChangeCause.Kind.SYNC_ENABLED, false));
    }

    @Test
    void switchingOffIsTheShrinkAndRepeatingTheCurrentStateDoesNothing() {
        assertThat(SegmentRules.switchSync(true, T0, false)).contains(new SegmentRules.Fanout(ChangeCause.Kind.SYNC_DISABLED, false));
        assertThat(SegmentRules.switchSync(true, T0, true)).isEmpty();
        assertThat(SegmentRules.switchSync(false, null, false)).isEmpty();
    }

    @Test
    void onlyRenamingASyncedSegmentFansOut() {
        assertThat(SegmentRules.rename("Bean", "Whole bean", true)).contains(new SegmentRules.Fanout(ChangeCause.Kind.RENAME, false));
        assertThat(SegmentRules.rename("Bean", "Whole bean", false)).isEmpty();
        assertThat(SegmentRules.rename("Bean", "Bean", true)).isEmpty();
    }
}
