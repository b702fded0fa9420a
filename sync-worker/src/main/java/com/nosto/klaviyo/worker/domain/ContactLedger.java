package com.nosto.klaviyo.worker.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * Everything sync-worker remembers about one contact: the latest desired state, whether it still
 * waits for a window (and which kind), and the state last released to the gateway.
 *
 * @param desired            latest desired state by version (never null once a change was seen)
 * @param pending            waits for a release: differs from {@code released}, or is to be restated
 * @param pendingSince       when it last became pending; a window releases what was pending at its end
 * @param firstEnablePending part of the pending state came from a first enable: short window (G6)
 * @param firstEnableSince   when the first-enable part's short window started: the enable's {@code enabledAt}
 *                           (the earliest when several)
 * @param restate            an operator's resync asked for this contact's state in full: released at the next
 *                           window even if it equals {@code released}, marked {@code restate} for the gateway
 * @param released           state last handed to the gateway; null when nothing was ever released
 * @param lastEventId        id of the last applied change, to drop redeliveries of the same event
 */
public record ContactLedger(
        MembershipState desired,
        boolean pending,
        Instant pendingSince,
        boolean firstEnablePending,
        Instant firstEnableSince,
        boolean restate,
        MembershipState released,
        UUID lastEventId) {

    /** The ledger after its pending state was handed to the gateway. */
    public ContactLedger afterRelease() {
        return new ContactLedger(desired, false, null, false, null, false, desired, lastEventId);
    }

    /** The ledger after a window found nothing to send for it (desired equals released, no restatement). */
    public ContactLedger settled() {
        return new ContactLedger(desired, false, null, false, null, false, released, lastEventId);
    }
}
