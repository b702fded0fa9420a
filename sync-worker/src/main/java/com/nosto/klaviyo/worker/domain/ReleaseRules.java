package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.ChangeType;
import java.util.Optional;

/** The net change a release reports, from the last released state to the desired one (G7). */
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
        return Optional.of(desired.deleted() ? ChangeType.DELETED : ChangeType.REMOVED);
    }
}
