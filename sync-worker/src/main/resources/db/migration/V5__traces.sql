-- Trace contexts (W3C traceparent) across the ledger and the outbox; NULL unless tracing is on
-- (quarkus.otel.sdk.disabled=false). contact_ledger.trace: the context of the change that last set the desired state,
-- which the release's span links to. outbox_batch.trace: the release span's context, which the relay's publish continues.
ALTER TABLE contact_ledger ADD COLUMN trace TEXT;
ALTER TABLE outbox_batch ADD COLUMN trace TEXT;
