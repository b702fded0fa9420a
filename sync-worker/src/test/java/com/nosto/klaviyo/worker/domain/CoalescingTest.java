package com.nosto.klaviyo.worker.domain;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.deleted;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static com.nosto.klaviyo.worker.support.Changes.removed;
import static com.nosto.klaviyo.worker.support.Changes.resync;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoalescingTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    @Test
    void firstChangeBecomesPending() {
        Coalescing.Result r = Coalescing.apply(null, added("a", "x@e.com", 1, "VIP"), T0);

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.PENDING);
        assertThat(r.ledger().pending()).isTrue();
        assertThat(r.ledger().pendingSince()).isEqualTo(T0);
        assertThat(r.ledger().desired().nostoSegments()).containsExactly("VIP");
        assertThat(r.ledger().firstEnablePending()).isFalse();
    }

    @Test
    void addedThenRemovedBeforeAnyReleaseLeavesNothingPending() {
        ContactLedger l = Coalescing.apply(null, added("a", "x@e.com", 1, "VIP"), T0).ledger();

        Coalescing.Result r = Coalescing.apply(l, removed("a", "x@e.com", 2, "VIP"), T0.plusSeconds(60));

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.COALESCED);
        assertThat(r.ledger().pending()).isFalse();
        assertThat(r.ledger().released()).isNull();
        assertThat(r.ledger().desired().version()).isEqualTo(2);
    }

    @Test
    void chainOfMovesKeepsOnlyTheLastStateAndTheFirstPendingTime() {
        ContactLedger l = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();
        l = Coalescing.apply(l, moved("a", "x@e.com", 2, List.of("A"), "B"), T0.plusSeconds(10)).ledger();
        Coalescing.Result r = Coalescing.apply(l, moved("a", "x@e.com", 3, List.of("B"), "C"), T0.plusSeconds(20));

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.COALESCED);
        assertThat(r.ledger().desired().nostoSegments()).containsExactly("C");
        assertThat(r.ledger().desired().version()).isEqualTo(3);
        assertThat(r.ledger().pendingSince()).isEqualTo(T0.plusSeconds(10));
        assertThat(ReleaseRules.changeType(r.ledger().released(), r.ledger().desired())).contains(ChangeType.MOVED);
    }

    @Test
    void moveBackToTheReleasedStateCancelsThePendingMove() {
        ContactLedger l = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();
        l = Coalescing.apply(l, moved("a", "x@e.com", 2, List.of("A"), "B"), T0).ledger();

        Coalescing.Result r = Coalescing.apply(l, moved("a", "x@e.com", 3, List.of("B"), "A"), T0);

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.COALESCED);
        assertThat(r.ledger().pending()).isFalse();
    }

    @Test
    void lowerOrEqualVersionIsStale() {
        ContactLedger l = Coalescing.apply(null, added("a", "x@e.com", 5, "A"), T0).ledger();

        assertThat(Coalescing.apply(l, removed("a", "x@e.com", 5, "A"), T0).outcome()).isEqualTo(ApplyOutcome.STALE);
        assertThat(Coalescing.apply(l, removed("a", "x@e.com", 4, "A"), T0).outcome()).isEqualTo(ApplyOutcome.STALE);
    }

    @Test
    void sameEventAgainIsDuplicate() {
        MembershipChange change = added("a", "x@e.com", 1, "A");
        ContactLedger l = Coalescing.apply(null, change, T0).ledger();

        Coalescing.Result r = Coalescing.apply(l, change, T0);

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.DUPLICATE);
        assertThat(r.ledger()).isSameAs(l);
    }

    @Test
    void firstEnableMarksTheShortWindowAndSurvivesALaterRegularChange() {
        ContactLedger l = Coalescing.apply(null, firstEnableAdded("a", "x@e.com", 1, "A", T0), T0.plusSeconds(5)).ledger();
        Coalescing.Result r = Coalescing.apply(l, moved("a", "x@e.com", 2, List.of("A"), "A", "B"), T0.plusSeconds(30));

        assertThat(r.ledger().firstEnablePending()).isTrue();
        assertThat(r.ledger().firstEnableSince()).isEqualTo(T0);
        assertThat(r.ledger().desired().nostoSegments()).containsExactly("A", "B");
    }

    @Test
    void firstEnableStartsAtTheEnableTimeNotAtArrival() {
        Instant enabledAt = T0.minusSeconds(40);

        Coalescing.Result r = Coalescing.apply(null, firstEnableAdded("a", "x@e.com", 1, "A", enabledAt), T0);

        assertThat(r.ledger().firstEnableSince()).isEqualTo(enabledAt);
        assertThat(r.ledger().pendingSince()).as("the regular window still counts from arrival").isEqualTo(T0);
    }

    @Test
    void aContactWaitingForAShortWindowKeepsTheEarlierStart() {
        ContactLedger l = Coalescing.apply(null, firstEnableAdded("a", "x@e.com", 1, "A", T0), T0).ledger();

        ContactLedger later = Coalescing.apply(l, firstEnableAdded("a", "x@e.com", 2, "B", T0.plusSeconds(600)),
                T0.plusSeconds(601)).ledger();
        ContactLedger earlier = Coalescing.apply(l, firstEnableAdded("a", "x@e.com", 2, "B", T0.minusSeconds(300)),
                T0.plusSeconds(601)).ledger();

        assertThat(later.firstEnableSince()).isEqualTo(T0);
        assertThat(earlier.firstEnableSince()).isEqualTo(T0.minusSeconds(300));
    }

    @Test
    void aFirstEnableOnAContactPendingForTheRegularWindowStartsItsShortWindowAtTheEnable() {
        ContactLedger l = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger();

        Coalescing.Result r = Coalescing.apply(l, firstEnableAdded("a", "x@e.com", 2, "B", T0.plusSeconds(100)),
                T0.plusSeconds(110));

        assertThat(r.ledger().firstEnablePending()).isTrue();
        assertThat(r.ledger().firstEnableSince()).isEqualTo(T0.plusSeconds(100));
        assertThat(r.ledger().pendingSince()).isEqualTo(T0);
    }

    @Test
    void deletionOfAReleasedContactIsPendingAsDeleted() {
        ContactLedger l = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();

        Coalescing.Result r = Coalescing.apply(l, deleted("a", "x@e.com", 2, "A"), T0);

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.PENDING);
        assertThat(ReleaseRules.changeType(r.ledger().released(), r.ledger().desired())).contains(ChangeType.DELETED);
    }

    @Test
    void deletionOfANeverReleasedContactNeedsNothing() {
        Coalescing.Result r = Coalescing.apply(null, deleted("a", "x@e.com", 1, "A"), T0);

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.UNCHANGED);
        assertThat(r.ledger().pending()).isFalse();
    }

    @Test
    void aResyncOfAnUnchangedContactIsPendingAsARestatement() {
        ContactLedger released = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();

        Coalescing.Result r = Coalescing.apply(released, resync("a", "x@e.com", 2, "A"), T0.plusSeconds(5));

        assertThat(r.outcome()).isEqualTo(ApplyOutcome.PENDING);
        assertThat(r.ledger().pending()).isTrue();
        assertThat(r.ledger().restate()).isTrue();
        assertThat(r.ledger().pendingSince()).isEqualTo(T0.plusSeconds(5));
        assertThat(ReleaseRules.changeType(r.ledger().released(), r.ledger().desired())).as("no net change").isEmpty();
    }

    @Test
    void aLaterOrdinaryChangeBeforeTheReleaseKeepsTheRestatement() {
        ContactLedger released = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();
        ContactLedger restating = Coalescing.apply(released, resync("a", "x@e.com", 2, "A"), T0).ledger();

        // Away and back to the released state: without the restatement this would cancel the pending contact.
        ContactLedger moved = Coalescing.apply(restating, moved("a", "x@e.com", 3, List.of("A"), "B"), T0).ledger();
        Coalescing.Result back = Coalescing.apply(moved, moved("a", "x@e.com", 4, List.of("B"), "A"), T0);

        assertThat(moved.restate()).isTrue();
        assertThat(back.outcome()).isEqualTo(ApplyOutcome.COALESCED);
        assertThat(back.ledger().pending()).isTrue();
        assertThat(back.ledger().restate()).isTrue();
        assertThat(back.ledger().desired().version()).isEqualTo(4);
    }

    @Test
    void theReleaseEndsTheRestatement() {
        ContactLedger released = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();
        ContactLedger restated = Coalescing.apply(released, resync("a", "x@e.com", 2, "A"), T0).ledger().afterRelease();

        Coalescing.Result r = Coalescing.apply(restated, moved("a", "x@e.com", 3, List.of("A"), "A"), T0);

        assertThat(restated.restate()).isFalse();
        assertThat(r.outcome()).isEqualTo(ApplyOutcome.UNCHANGED);
        assertThat(r.ledger().pending()).isFalse();
    }

    @Test
    void aStaleOrRepeatedResyncChangesNothing() {
        ContactLedger released = Coalescing.apply(null, added("a", "x@e.com", 3, "A"), T0).ledger().afterRelease();
        MembershipChange resync = resync("a", "x@e.com", 4, "A");
        ContactLedger restating = Coalescing.apply(released, resync, T0).ledger();

        assertThat(Coalescing.apply(released, resync("a", "x@e.com", 3, "A"), T0).outcome()).isEqualTo(ApplyOutcome.STALE);
        assertThat(Coalescing.apply(restating, resync, T0).outcome()).isEqualTo(ApplyOutcome.DUPLICATE);
    }
}
