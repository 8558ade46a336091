-- Owned by apps/notifier: Microsoft Teams and signed webhooks beside Slack, and reminder / escalation
-- notices on every channel a review went out on.

-- A channel can refuse a delivery for good (a webhook receiver answering 410 Gone): 'failed' ends the
-- row like 'skipped' does, but says that the channel, not the review, stopped it.
ALTER TABLE "notifier"."deliveries" DROP CONSTRAINT "deliveries_status_check";
ALTER TABLE "notifier"."deliveries"
    ADD CONSTRAINT "deliveries_status_check" CHECK ("status" IN ('pending', 'delivered', 'skipped', 'failed'));

-- One row per (review.expiring / review.escalated event, channel), written in the handler's
-- transaction before anything is sent; the unique key makes a redelivered event a no-op. The delivery
-- worker sends it once the review's own message is out, with the same backoff as deliveries.
-- CreateTable
CREATE TABLE "notifier"."notices" (
    "id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source_event_id" UUID NOT NULL,
    "details" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "sent_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notices_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notices_kind_check" CHECK ("kind" IN ('reminder', 'escalated')),
    CONSTRAINT "notices_status_check" CHECK ("status" IN ('pending', 'sent', 'skipped', 'failed'))
);

-- CreateIndex
CREATE UNIQUE INDEX "notices_source_event_id_channel_key" ON "notifier"."notices"("source_event_id", "channel");

-- CreateIndex
CREATE INDEX "notices_next_attempt_at_idx" ON "notifier"."notices"("next_attempt_at");

-- Ids of Bot Framework activities already handled. A Bot Framework token is a bearer token, reusable
-- for its whole life (about an hour), so the verified token alone does not stop a replay; the activity
-- id does (the primary key makes "first one wins" atomic across copies of notifier).
-- CreateTable
CREATE TABLE "notifier"."teams_activities" (
    "activity_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_activities_pkey" PRIMARY KEY ("activity_id")
);

-- CreateIndex
CREATE INDEX "teams_activities_received_at_idx" ON "notifier"."teams_activities"("received_at");
