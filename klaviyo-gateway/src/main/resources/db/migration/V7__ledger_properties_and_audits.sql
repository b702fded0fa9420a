-- The ledger keeps the two properties it applied to a listed contact, so an audit (G14) can compare them with what
-- Klaviyo holds. nosto_segments is a JSON array of names; NULL on rows applied before this column existed (an audit
-- checks only their membership).
ALTER TABLE contact_ledger ADD COLUMN nosto_segment VARCHAR(1024);
ALTER TABLE contact_ledger ADD COLUMN nosto_segments TEXT;

-- Audits and repairs are sync history entries beside the windows (window_kind AUDIT / REPAIR); drift holds their
-- counts per class as a JSON object.
ALTER TABLE sync_run ADD COLUMN drift TEXT;
