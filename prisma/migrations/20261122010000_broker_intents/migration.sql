-- Owned by apps/broker.
-- IntentClassifiedV1 and IntentApprovedV1 do not carry the intent, so broker keeps what a grant needs
-- (requester, action, resource, hash) from IntentSubmittedV1 and stays independent of intake.
-- CreateTable
CREATE TABLE "broker"."intents" (
    "intent_id" UUID NOT NULL,
    "intent_hash" CHAR(64) NOT NULL,
    "requester_subject" TEXT NOT NULL,
    "requester_issuer" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resource" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intents_pkey" PRIMARY KEY ("intent_id")
);

-- Events written in the same transaction as the grant change they report (claim, redeem, expiry),
-- so a crash between commit and publish delays them instead of losing them.
-- CreateTable
CREATE TABLE "broker"."outbox" (
    "event_id" UUID NOT NULL,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "outbox_published_at_created_at_idx" ON "broker"."outbox"("published_at", "created_at");
