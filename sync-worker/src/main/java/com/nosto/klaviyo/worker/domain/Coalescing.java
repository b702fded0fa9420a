package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.MembershipChange;
import java.time.Instant;

/**
 * Folds one membership change into a contact's ledger. Only the latest version survives, so a
 * window releases one state per contact however many changes it saw; a state that returns to what
 * Klaviyo already has stops being pending at once (added then removed costs nothing).
 */
public final class Coalescing {

    private Coalescing() {
    }

    public record Result(ApplyOutcome outcome, ContactLedger ledger) {
    }

    /** @param current the stored ledger, or null for a contact never seen */
    public static Result apply(ContactLedger current, MembershipChange change, Instant now) {
        if (current != null && change.eventId() != null && change.eventId().equals(current.lastEventId())) {
            return new Result(ApplyOutcome.DUPLICATE, current);
        }
        if (current != null && change.version() <= current.desired().version()) {
            return new Result(ApplyOutcome.STALE, current);
        }
        MembershipState desired = MembershipState.from(change);
        MembershipState released = current == null ? null : current.released();
        boolean wasPending = current != null && current.pending();
        boolean firstEnable = change.cause() != null && change.cause().firstEnable();

        if (ReleaseRules.changeType(released, desired).isEmpty()) {
            ContactLedger settled = new ContactLedger(desired, false, null, false, null, released, change.eventId());
            return new Result(wasPending ? ApplyOutcome.COALESCED : ApplyOutcome.UNCHANGED, settled);
        }
        Instant pendingSince = wasPending ? current.pendingSince() : now;
        boolean fePending = (wasPending && current.firstEnablePending()) || firstEnable;
        Instant feSince = wasPending && current.firstEnablePending() ? current.firstEnableSince() : firstEnable ? now : null;
        ContactLedger next = new ContactLedger(desired, true, pendingSince, fePending, feSince, released, change.eventId());
        return new Result(wasPending ? ApplyOutcome.COALESCED : ApplyOutcome.PENDING, next);
    }
}
