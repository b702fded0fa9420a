-- An operator's resync restates a contact: released in full at the next window even when its state equals what
-- was released before, and the flag survives later ordinary changes until that release.
ALTER TABLE contact_ledger ADD COLUMN restate BOOLEAN NOT NULL DEFAULT FALSE;

-- One relay publishes at a time (an advisory lock per round), so rows need no per-row claim.
ALTER TABLE outbox_batch DROP COLUMN claimed_until;

-- The regular grid is anchored on created_at alone.
ALTER TABLE account_window DROP COLUMN last_regular_release;

