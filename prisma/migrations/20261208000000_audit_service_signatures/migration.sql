-- Owned by apps/audit: the emitting service's signature of each event (a detached compact JWS over the
-- RFC 8785 form of the stored payload) and its key id. Nullable: rows recorded before services signed
-- their events have none, and `audit verify --event-keys` reports them. The append-only triggers stay.
ALTER TABLE "audit"."events" ADD COLUMN "service_signature" TEXT;
ALTER TABLE "audit"."events" ADD COLUMN "service_kid" TEXT;
