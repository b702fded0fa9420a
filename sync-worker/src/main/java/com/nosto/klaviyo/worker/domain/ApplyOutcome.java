package com.nosto.klaviyo.worker.domain;

/** What storing one membership change did to a contact's ledger. */
public enum ApplyOutcome {
    /** The contact now waits for a window. */
    PENDING,
    /** The change replaced a state that was still waiting: one Klaviyo write saved (or more). */
    COALESCED,
    /** Newer, but equal to what Klaviyo already has and nothing was waiting: nothing to release. */
    UNCHANGED,
    /** Version not above the stored one (G8): ignored. */
    STALE,
    /** The same event delivered again: ignored. */
    DUPLICATE;

    public boolean changedLedger() {
        return this == PENDING || this == COALESCED || this == UNCHANGED;
    }
}
