-- Owned by apps/intake: the review that decides an intent (from intent.classified), so that a requester
-- and the CLI can show it and link to it without reading the audit log.
-- AlterTable
ALTER TABLE "intake"."intents" ADD COLUMN "review_id" UUID;
