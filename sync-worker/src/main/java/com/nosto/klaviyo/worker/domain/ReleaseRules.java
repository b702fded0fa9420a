package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import java.util.Optional;

/** What a release hands the gateway for one contact: the net change from the last released state (G7). */
public final class ReleaseRules {

    private ReleaseRules() {
    }

    /**
     * @param released last released state, null if never released (treated as "not in the list")
     * @return empty when Klaviyo already shows the desired state
     */
    public static Optional<ChangeType> changeType(MembershipState released, MembershipState desired) {
        boolean wasIn = released != null && released.inList();
        if (desired.inList()) {
            if (!wasIn) {
                return Optional.of(ChangeType.ADDED);
            }
            return desired.sameKlaviyoStateAs(released) ? Optional.empty() : Optional.of(ChangeType.MOVED);
        }
        if (!wasIn) {
            return Optional.empty();
        }
        return Optional.of(leaving(desired));
    }

    /**
     * The state a window releases for a pending contact, or empty when there is nothing to send (the contact only
     * settles). A restatement always goes out: with its net change where there is one, else as what it restates
     * (ADDED for a listed contact, REMOVED or DELETED for one that is not), as segment-service derives a resync.
     */
    public static Optional<ContactState> release(String email, ContactLedger ledger) {
        MembershipState desired = ledger.desired();
        Optional<ChangeType> change = changeType(ledger.released(), desired);
        if (change.isEmpty() && ledger.restate()) {
            change = Optional.of(desired.inList() ? ChangeType.ADDED : leaving(desired));
        }
        return change.map(c -> new ContactState(email, desired.inList(), desired.nostoSegment(), desired.nostoSegments(),
                desired.version(), c, ledger.restate(), ledger.pendingSince()));
    }

    private static ChangeType leaving(MembershipState desired) {
        return desired.deleted() ? ChangeType.DELETED : ChangeType.REMOVED;
    }
}
