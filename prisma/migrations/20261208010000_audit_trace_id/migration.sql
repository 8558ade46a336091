-- Owned by apps/audit: the W3C trace id the event travelled with (its NATS traceparent header), so a
-- reader can go from an audit row to the distributed trace of the request that caused it. Not part of
-- the signed entry (trace context is transport metadata, set by whoever published); null when the
-- message carried none.
ALTER TABLE "audit"."events" ADD COLUMN "trace_id" CHAR(32);
