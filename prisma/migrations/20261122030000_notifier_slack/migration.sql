-- Owned by apps/notifier: chat channels (Slack first) beside the console.
-- A chat post cannot be rolled back, so a delivery row is written BEFORE the post ('pending') and a
-- background worker moves it on: post, announce (review.notified), and re-render the message whenever
-- its review changes (votes, outcome). `version` counts those changes, `shown_version` the last one the
-- channel shows; `next_attempt_at` is both the retry schedule and the lease of the worker that holds it.

-- AlterTable
ALTER TABLE "notifier"."deliveries"
    ADD COLUMN "nonce" TEXT,
    ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "next_attempt_at" TIMESTAMPTZ(6),
    ADD COLUMN "last_error" TEXT,
    ADD COLUMN "delivered_at" TIMESTAMPTZ(6),
    ADD COLUMN "notified_event_id" UUID,
    ADD COLUMN "notified_at" TIMESTAMPTZ(6),
    ADD COLUMN "version" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "shown_version" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "notifier"."deliveries"
    ADD CONSTRAINT "deliveries_status_check" CHECK ("status" IN ('pending', 'delivered', 'skipped'));

-- CreateIndex
CREATE INDEX "deliveries_next_attempt_at_idx" ON "notifier"."deliveries"("next_attempt_at");

-- The masked review as policy published it (a pending delivery is posted from here, possibly much
-- later), and its outcome once known. Never holds an unmasked value.
-- CreateTable
CREATE TABLE "notifier"."reviews" (
    "review_id" UUID NOT NULL,
    "intent_id" UUID NOT NULL,
    "requested_event_id" UUID NOT NULL,
    "review" JSONB NOT NULL,
    "outcome" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("review_id")
);

-- Votes policy counted (review.vote_recorded): "votes so far" and who rejected.
-- CreateTable
CREATE TABLE "notifier"."votes" (
    "event_id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "decision" TEXT NOT NULL,
    "voter_subject" TEXT NOT NULL,
    "reason" TEXT,
    "approvals" INTEGER NOT NULL,
    "quorum" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "votes_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "votes_review_id_idx" ON "notifier"."votes"("review_id");

-- Signatures of verified Slack requests: the primary key refuses a replay. Rows older than the
-- 5-minute timestamp window can go, since such a request is refused as stale anyway.
-- CreateTable
CREATE TABLE "notifier"."slack_requests" (
    "signature" TEXT NOT NULL,
    "request_ts" TIMESTAMPTZ(6) NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_requests_pkey" PRIMARY KEY ("signature")
);

-- CreateIndex
CREATE INDEX "slack_requests_request_ts_idx" ON "notifier"."slack_requests"("request_ts");
