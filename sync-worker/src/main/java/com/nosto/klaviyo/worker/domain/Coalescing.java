package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.MembershipChange;
import java.time.Instant;

/**
 * Folds one membership change into a contact's ledger. Only the latest version survives, so a
 * window releases one state per contact however many changes it saw; a state that returns to what
 * Klaviyo already has stops being pending at once (added then removed costs nothing), unless an
 * operator's resync asked for the contact to be restated: then it waits for the next window whatever
 * its state, and later ordinary changes before that window keep it so (the state is written in full).
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
        boolean restate = isRestatement(change) || wasPending && current.restate();

        if (!restate && ReleaseRules.changeType(released, desired).isEmpty()) {
            ContactLedger settled = new ContactLedger(desired, false, null, false, null, false, released, change.eventId());
            return new Result(wasPending ? ApplyOutcome.COALESCED : ApplyOutcome.UNCHANGED, settled);
        }
        boolean firstEnable = change.cause() != null && change.cause().firstEnable();
        Instant pendingSince = wasPending ? current.pendingSince() : now;
        boolean wasFirstEnablePending = wasPending && current.firstEnablePending();
        Instant feSince = firstEnableSince(wasFirstEnablePending ? current.firstEnableSince() : null,
                firstEnable ? change.cause().enabledAt() : null);
        ContactLedger next = new ContactLedger(desired, true, pendingSince, wasFirstEnablePending || firstEnable, feSince,
                restate, released, change.eventId());
        return new Result(wasPending ? ApplyOutcome.COALESCED : ApplyOutcome.PENDING, next);
    }

    /** A change of an operator's resync: Klaviyo gets the state again even where nothing changed. */
    static boolean isRestatement(MembershipChange change) {
        return change.cause() != null && change.cause().kind() == ChangeCause.Kind.RESYNC;
    }

    /**
     * When a first-enable contact's short window starts: the time the segment's sync was switched on, which every
     * change of that enable carries, so every partition ends the window at the same instant (one window) and the
     * members reach Klaviyo within one window of the switch (G6). A contact already waiting for a short window
     * keeps the earlier start: a second enable never delays it.
     */
    static Instant firstEnableSince(Instant pendingSince, Instant incoming) {
        if (pendingSince == null) {
            return incoming;
        }
        return incoming == null || !incoming.isBefore(pendingSince) ? pendingSince : incoming;
    }
}
