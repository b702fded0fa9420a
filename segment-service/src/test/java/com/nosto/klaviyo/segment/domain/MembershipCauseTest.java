package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MembershipCauseTest {

    private static final SegmentRef VIP = new SegmentRef("vip", "VIP");
    private static final SegmentRef BEAN = new SegmentRef("bean", "Whole bean");
    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final ChangeCause VIP_ENABLE = ChangeCause.firstEnable("vip", T0.plusSeconds(60));
    private static final ChangeCause BEAN_ENABLE = ChangeCause.firstEnable("bean", T0);

    @Test
    void withoutAFirstEnableRunningAChangeIsAMembershipChange() {
        assertThat(MembershipCause.of(List.of(), List.of(VIP), Map.of())).isEqualTo(ChangeCause.membership());
    }

    @Test
    void gainingASegmentWhoseFirstEnableIsStillFanningOutCarriesThatFirstEnable() {
        assertThat(MembershipCause.of(List.of(), List.of(VIP), Map.of("vip", VIP_ENABLE))).isEqualTo(VIP_ENABLE);
    }

    @Test
    void aContactAlreadyHoldingTheSegmentDownstreamChangesForItsOwnReason() {
        // The fan-out (or an earlier event) already emitted its entry: what changes now is ordinary membership.
        assertThat(MembershipCause.of(List.of(VIP), List.of(VIP, BEAN), Map.of("vip", VIP_ENABLE)))
                .isEqualTo(ChangeCause.membership());
    }

    @Test
    void gainingOnlySegmentsWithoutARunningFirstEnableIsAMembershipChange() {
        assertThat(MembershipCause.of(List.of(), List.of(BEAN), Map.of("vip", VIP_ENABLE))).isEqualTo(ChangeCause.membership());
    }

    @Test
    void ofTwoRunningFirstEnablesGainedAtOnceTheEarlierWinsSoTheChangeGoesOutInTheFirstWindow() {
        assertThat(MembershipCause.of(List.of(), List.of(VIP, BEAN), Map.of("vip", VIP_ENABLE, "bean", BEAN_ENABLE)))
                .isEqualTo(BEAN_ENABLE);
    }

    @Test
    void leavingASegmentWhileAnotherIsFirstEnabledIsAMembershipChange() {
        assertThat(MembershipCause.of(List.of(VIP, BEAN), List.of(BEAN), Map.of("bean", BEAN_ENABLE)))
                .isEqualTo(ChangeCause.membership());
    }
}
