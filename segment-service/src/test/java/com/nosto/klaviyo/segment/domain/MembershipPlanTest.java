package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.SegmentEvent;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MembershipPlanTest {

    private static final Instant T = Instant.parse("2026-11-29T08:00:00Z");

    @Test
    void fullSetReplacesMembershipKeepingHeldEntries() {
        MembershipPlan plan = MembershipPlan.of(Set.of("a", "b"), SegmentEvent.fullSet("acme", "j@x.com", List.of("b", "c", "d"), T));
        assertThat(plan.toAdd()).containsExactly("c", "d");
        assertThat(plan.toRemove()).containsExactly("a");
    }

    @Test
    void emptyFullSetLeavesEverything() {
        MembershipPlan plan = MembershipPlan.of(Set.of("a", "b"), SegmentEvent.fullSet("acme", "j@x.com", List.of(), T));
        assertThat(plan.toAdd()).isEmpty();
        assertThat(plan.toRemove()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void deltaEntersNewAndExitsHeldOnly() {
        MembershipPlan plan = MembershipPlan.of(Set.of("a"), SegmentEvent.delta("acme", "j@x.com", List.of("a", "b"), List.of("a-not", "a"), T));
        assertThat(plan.toAdd()).containsExactly("b");
        assertThat(plan.toRemove()).containsExactly("a");
    }

    @Test
    void deletionLeavesAll() {
        MembershipPlan plan = MembershipPlan.of(Set.of("a", "b"), SegmentEvent.deletion("acme", "j@x.com", T));
        assertThat(plan.toRemove()).containsExactlyInAnyOrder("a", "b");
        assertThat(plan.toAdd()).isEmpty();
    }

    @Test
    void repeatedEventChangesNothing() {
        assertThat(MembershipPlan.of(Set.of("a", "b"), SegmentEvent.fullSet("acme", "j@x.com", List.of("a", "b"), T)).isEmpty()).isTrue();
    }
}
