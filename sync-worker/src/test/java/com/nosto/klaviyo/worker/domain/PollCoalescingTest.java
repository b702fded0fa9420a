package com.nosto.klaviyo.worker.domain;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static com.nosto.klaviyo.worker.support.Changes.removed;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.MembershipChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PollCoalescingTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final ContactKey X = new ContactKey("a", "x@e.com");

    private static List<PollCoalescing.Change> poll(MembershipChange... changes) {
        List<PollCoalescing.Change> out = new ArrayList<>();
        for (MembershipChange c : changes) {
            out.add(new PollCoalescing.Change(c, 3));
        }
        return out;
    }

    @Test
    void twoVersionsOfOneContactInOnePollLeaveTheLatestWhateverTheirOrder() {
        MembershipChange v1 = added("a", "x@e.com", 1, "A");
        MembershipChange v2 = moved("a", "x@e.com", 2, List.of("A"), "B");

        PollCoalescing.Result inOrder = PollCoalescing.fold(Map.of(), poll(v1, v2), T0);
        PollCoalescing.Result reversed = PollCoalescing.fold(Map.of(), poll(v2, v1), T0);

        assertThat(inOrder.outcomes()).containsExactly(ApplyOutcome.PENDING, ApplyOutcome.COALESCED);
        assertThat(reversed.outcomes()).containsExactly(ApplyOutcome.PENDING, ApplyOutcome.STALE);
        for (PollCoalescing.Result r : List.of(inOrder, reversed)) {
            assertThat(r.updates()).hasSize(1);
            PollCoalescing.ContactUpdate u = r.updates().get(0);
            assertThat(u.key()).isEqualTo(X);
            assertThat(u.stored()).isFalse();
            assertThat(u.partition()).isEqualTo(3);
            assertThat(u.ledger().desired().version()).isEqualTo(2);
            assertThat(u.ledger().desired().nostoSegments()).containsExactly("B");
            assertThat(u.ledger().lastEventId()).isEqualTo(v2.eventId());
        }
    }

    @Test
    void aChangeOlderThanTheStoredOneChangesNothing() {
        ContactLedger stored = Coalescing.apply(null, added("a", "x@e.com", 5, "A"), T0).ledger();

        PollCoalescing.Result r = PollCoalescing.fold(Map.of(X, stored), poll(moved("a", "x@e.com", 4, List.of("A"), "B")), T0);

        assertThat(r.outcomes()).containsExactly(ApplyOutcome.STALE);
        assertThat(r.updates()).isEmpty();
    }

    @Test
    void theSameEventTwiceInOnePollCountsOnce() {
        MembershipChange v1 = firstEnableAdded("a", "x@e.com", 1, "Whole Bean", T0.minusSeconds(30));

        PollCoalescing.Result r = PollCoalescing.fold(Map.of(), poll(v1, v1), T0);

        assertThat(r.outcomes()).containsExactly(ApplyOutcome.PENDING, ApplyOutcome.DUPLICATE);
        assertThat(r.updates()).singleElement().satisfies(u -> {
            assertThat(u.ledger().firstEnablePending()).isTrue();
            assertThat(u.ledger().firstEnableSince()).isEqualTo(T0.minusSeconds(30));
        });
    }

    @Test
    void addedThenRemovedInOnePollIsWrittenSettledAndAStoredRowIsAnUpdate() {
        ContactLedger stored = Coalescing.apply(null, added("a", "x@e.com", 1, "A"), T0).ledger().afterRelease();

        PollCoalescing.Result r = PollCoalescing.fold(Map.of(X, stored), poll(removed("a", "x@e.com", 2, "A"),
                added("a", "x@e.com", 3, "A")), T0);

        assertThat(r.outcomes()).containsExactly(ApplyOutcome.PENDING, ApplyOutcome.COALESCED);
        assertThat(r.updates()).singleElement().satisfies(u -> {
            assertThat(u.stored()).isTrue();
            assertThat(u.ledger().pending()).isFalse();
            assertThat(u.ledger().desired().version()).isEqualTo(3);
            assertThat(u.ledger().released()).isEqualTo(stored.released());
        });
    }

    /** The batch path stores exactly what one transaction per record, in the same order, stored. */
    @Test
    void aPollFoldsToWhatOneChangeAtATimeGives() {
        Random random = new Random(42);
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String email = "c" + random.nextInt(30) + "@e.com";
            long version = 1 + random.nextInt(8);
            changes.add(switch (random.nextInt(4)) {
                case 0 -> added("a", email, version, "A");
                case 1 -> moved("a", email, version, List.of("A"), "B");
                case 2 -> removed("a", email, version, "A");
                default -> firstEnableAdded("a", email, version, "C");
            });
            if (random.nextInt(10) == 0) {
                changes.add(changes.get(random.nextInt(changes.size())));
            }
        }
        Map<ContactKey, ContactLedger> stored = new HashMap<>();
        stored.put(new ContactKey("a", "c0@e.com"), Coalescing.apply(null, added("a", "c0@e.com", 3, "A"), T0).ledger()
                .afterRelease());

        PollCoalescing.Result r = PollCoalescing.fold(stored, poll(changes.toArray(MembershipChange[]::new)), T0);

        Map<ContactKey, ContactLedger> oneAtATime = new HashMap<>(stored);
        List<ApplyOutcome> outcomes = new ArrayList<>();
        for (MembershipChange c : changes) {
            Coalescing.Result one = Coalescing.apply(oneAtATime.get(c.contactKey()), c, T0);
            outcomes.add(one.outcome());
            if (one.outcome().changedLedger()) {
                oneAtATime.put(c.contactKey(), one.ledger());
            }
        }
        assertThat(r.outcomes()).isEqualTo(outcomes);
        assertThat(r.updates()).allSatisfy(u -> assertThat(u.ledger()).isEqualTo(oneAtATime.get(u.key())));
        assertThat(r.updates()).extracting(PollCoalescing.ContactUpdate::key).doesNotHaveDuplicates();
        long changedContacts = oneAtATime.entrySet().stream().filter(e -> e.getValue() != stored.get(e.getKey())).count();
        assertThat(r.updates()).hasSize((int) changedContacts);
    }
}
