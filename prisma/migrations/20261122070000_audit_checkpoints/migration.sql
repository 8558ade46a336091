-- Owned by apps/audit: signed checkpoints of the Merkle tree over audit.events (leaf i = the event with
-- seq i + 1). Append-only like the events: the same trigger refuses UPDATE, DELETE and TRUNCATE.
-- The refusal names the table it guards, now that it guards two.
CREATE OR REPLACE FUNCTION "audit"."refuse_mutation"() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- CreateTable
CREATE TABLE "audit"."checkpoints" (
    "tree_size" BIGINT NOT NULL,
    "root_hash" CHAR(64) NOT NULL,
    "origin" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "kid" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("tree_size")
);

CREATE TRIGGER "checkpoints_append_only" BEFORE UPDATE OR DELETE ON "audit"."checkpoints"
    FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_mutation"();
CREATE TRIGGER "checkpoints_no_truncate" BEFORE TRUNCATE ON "audit"."checkpoints"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_mutation"();
