-- The trace context (W3C traceparent) a batch arrived with, so the chunk that applies it continues (or links to) its
-- trace. NULL unless tracing is on (quarkus.otel.sdk.disabled=false) and the record carried one.
ALTER TABLE inbox_batch ADD COLUMN trace TEXT;
