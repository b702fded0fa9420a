package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanoutPageTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final SegmentRef VIP = new SegmentRef("vip", "VIP");
    private static final Map<String, SyncedView.Definition> DEFINITIONS = Map.of("vip", new SyncedView.Definition("VIP", true),
            "quiet", new SyncedView.Definition("Quiet", false));

    private static Contact contact(String email, long version, List<SegmentRef> view) {
        Contact c = Contact.create("acme", email, NOW, version, NOW);
        c.syncedView = Contact.json(view);
        return c;
    }

    @Test
    void aSwitchEmitsOnlyTheContactsWhoseSyncedViewChanges() {
        Contact entering = contact("in@example.com", 0, List.of());
        Contact unchanged = contact("same@example.com", 5, List.of(VIP));
        Contact quietOnly = contact("quiet@example.com", 0, List.of());
        FanoutPage page = FanoutPage.reconcile(List.of(entering, unchanged, quietOnly),
                Map.of("in@example.com", List.of(new SyncedView.Entry("vip", 1)), "same@example.com", List.of(new SyncedView.Entry("vip", 1)),
                        "quiet@example.com", List.of(new SyncedView.Entry("quiet", 1))),
                DEFINITIONS, ChangeCause.firstEnable("vip", NOW), NOW);

        assertThat(page.changed()).containsExactly(entering);
        assertThat(page.changes()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo(ChangeType.ADDED);
            assertThat(c.cause().firstEnable()).isTrue();
        });
        assertThat(entering.view()).containsExactly(VIP);
    }

    @Test
    void aResyncRestatesEveryContactDownstreamMayHoldChangedOrNot() {
        Contact member = contact("member@example.com", 5, List.of(VIP));
        Contact left = contact("left@example.com", 7, List.of());
        Contact neverEmitted = contact("never@example.com", 0, List.of());
        FanoutPage page = FanoutPage.reconcile(List.of(member, left, neverEmitted),
                Map.of("member@example.com", List.of(new SyncedView.Entry("vip", 1)),
                        "never@example.com", List.of(new SyncedView.Entry("quiet", 1))),
                DEFINITIONS, ChangeCause.of(ChangeCause.Kind.RESYNC, null), NOW);

        assertThat(page.changes()).extracting(MembershipChange::email, MembershipChange::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("member@example.com", ChangeType.ADDED),
                        org.assertj.core.groups.Tuple.tuple("left@example.com", ChangeType.REMOVED));
        assertThat(page.changes()).allSatisfy(c -> assertThat(c.cause().kind()).isEqualTo(ChangeCause.Kind.RESYNC));
        assertThat(member.version).as("a hybrid version above the stored one").isGreaterThan(5);
    }
}
