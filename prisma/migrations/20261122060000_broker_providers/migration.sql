-- Owned by apps/broker: credential providers and intents that can no longer be granted (issue 5).

-- A provider grants exactly what the intent's arguments name (args.table → SELECT on that table), so
-- broker keeps them from IntentSubmittedV1 with the rest. NULL for intents recorded before this column.
-- AlterTable
ALTER TABLE "broker"."intents" ADD COLUMN "args" JSONB;

-- Rejected, expired, withdrawn or denied intents: an allowing event that comes after one of these (a
-- replay, a bug upstream) mints no grant. The first closing event per intent is kept.
-- CreateTable
CREATE TABLE "broker"."closed_intents" (
    "intent_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "closed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "closed_intents_pkey" PRIMARY KEY ("intent_id")
);

-- What a credential provider created at claim, so that any copy of broker can enable it at redeem and
-- remove it after use or expiry. The handle finds it again (for Postgres: target name and role); the
-- secret handed to the requester is not stored in any form.
-- CreateTable
CREATE TABLE "broker"."credentials" (
    "grant_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "handle" JSONB NOT NULL,
    "state" TEXT NOT NULL,
    "start_by" TIMESTAMPTZ(6),
    "end_by" TIMESTAMPTZ(6),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6),
    "removed_reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(6),
    "removed_at" TIMESTAMPTZ(6),

    CONSTRAINT "credentials_pkey" PRIMARY KEY ("grant_id"),
    CONSTRAINT "credentials_state_check" CHECK ("state" IN ('minted', 'active', 'removed'))
);

-- CreateIndex
CREATE INDEX "credentials_state_next_attempt_at_idx" ON "broker"."credentials"("state", "next_attempt_at");

-- AddForeignKey
ALTER TABLE "broker"."credentials" ADD CONSTRAINT "credentials_grant_id_fkey" FOREIGN KEY ("grant_id") REFERENCES "broker"."grants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
