package com.nosto.klaviyo.worker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseRulesTest {

    private static MembershipState in(String latest, String... all) {
        return new MembershipState(true, latest, List.of(all), 1, false);
    }

    private static final MembershipState OUT = new MembershipState(false, null, List.of(), 2, false);
    private static final MembershipState GONE = new MembershipState(false, null, List.of(), 2, true);

    @Test
    void neverReleasedToInListIsAdded() {
        assertThat(ReleaseRules.changeType(null, in("A", "A"))).contains(ChangeType.ADDED);
    }

    @Test
    void outToInListIsAdded() {
        assertThat(ReleaseRules.changeType(OUT, in("A", "A"))).contains(ChangeType.ADDED);
    }

    @Test
    void otherPropertiesIsMoved() {
        assertThat(ReleaseRules.changeType(in("A", "A"), in("B", "A", "B"))).contains(ChangeType.MOVED);
    }

    @Test
    void renameIsMoved() {
        assertThat(ReleaseRules.changeType(in("A", "A"), in("A2", "A2"))).contains(ChangeType.MOVED);
    }

    @Test
    void inToOutIsRemovedOrDeleted() {
        assertThat(ReleaseRules.changeType(in("A", "A"), OUT)).contains(ChangeType.REMOVED);
        assertThat(ReleaseRules.changeType(in("A", "A"), GONE)).contains(ChangeType.DELETED);
    }

    @Test
    void equalStatesNeedNothingWhateverTheVersion() {
        assertThat(ReleaseRules.changeType(in("A", "A"), new MembershipState(true, "A", List.of("A"), 9, false))).isEmpty();
        assertThat(ReleaseRules.changeType(null, OUT)).isEmpty();
        assertThat(ReleaseRules.changeType(OUT, GONE)).isEmpty();
    }

    private static ContactLedger pending(MembershipState released, MembershipState desired, boolean restate) {
        return new ContactLedger(desired, true, Instant.EPOCH, false, null, restate, released, null);
    }

    @Test
    void aPendingContactIsReleasedWithItsDesiredStateAndNetChange() {
        ContactState state = ReleaseRules.release("x@e.com", pending(in("A", "A"), in("B", "A", "B"), false)).orElseThrow();

        // pendingSince: when the contact became pending, carried for the gateway's freshness histogram.
        assertThat(state).isEqualTo(new ContactState("x@e.com", true, "B", List.of("A", "B"), 1, ChangeType.MOVED, false,
                Instant.EPOCH));
    }

    @Test
    void anUnchangedContactIsNotReleasedUnlessRestated() {
        assertThat(ReleaseRules.release("x@e.com", pending(in("A", "A"), in("A", "A"), false))).isEmpty();

        assertThat(ReleaseRules.release("x@e.com", pending(in("A", "A"), in("A", "A"), true))).hasValueSatisfying(s -> {
            assertThat(s.change()).isEqualTo(ChangeType.ADDED);
            assertThat(s.restate()).isTrue();
            assertThat(s.nostoSegments()).containsExactly("A");
        });
    }

    @Test
    void aRestatedContactOutOfTheListIsRestatedAsLeavingIt() {
        assertThat(ReleaseRules.release("x@e.com", pending(OUT, OUT, true))).hasValueSatisfying(s -> {
            assertThat(s.change()).isEqualTo(ChangeType.REMOVED);
            assertThat(s.inList()).isFalse();
            assertThat(s.restate()).isTrue();
        });
        assertThat(ReleaseRules.release("x@e.com", pending(null, GONE, true))).map(ContactState::change)
                .contains(ChangeType.DELETED);
    }

    @Test
    void aRestatedContactWithANetChangeKeepsThatChange() {
        assertThat(ReleaseRules.release("x@e.com", pending(in("A", "A"), OUT, true))).hasValueSatisfying(s -> {
            assertThat(s.change()).isEqualTo(ChangeType.REMOVED);
            assertThat(s.restate()).isTrue();
        });
    }
}
