-- The trace context (W3C traceparent) of the event behind each change, parallel to keys and payloads, so the relay
-- publishes every change in its event's trace. NULL unless tracing is on (quarkus.otel.sdk.disabled=false) and an
-- event of the transaction carried a context; an element is NULL for a change whose event had none.
ALTER TABLE outbox_tx ADD COLUMN traces TEXT[];
