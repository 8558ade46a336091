-- Owned by apps/policy: votes and review timers (issue 4).
-- The review keeps what deciding a vote needs, so that a vote locks one row and reads nothing else:
-- the intent hash, the requester (self-approval and owner checks), how far the escalation ladder has
-- gone, and when the next timer (reminder, escalation step or expiry) falls due.
-- AlterTable
ALTER TABLE "policy"."reviews" ADD COLUMN "intent_hash" CHAR(64),
ADD COLUMN "requester" JSONB,
ADD COLUMN "escalated_steps" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "reminded" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "next_timer_at" TIMESTAMPTZ(6),
ADD COLUMN "decided_at" TIMESTAMPTZ(6),
ADD COLUMN "outcome_reason" TEXT;

-- CreateIndex
CREATE INDEX "reviews_state_next_timer_at_idx" ON "policy"."reviews"("state", "next_timer_at");

-- One counted vote per person per review: the unique key, not a check-then-insert, stops a double click.
-- CreateTable
CREATE TABLE "policy"."votes" (
    "id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "voter_subject" TEXT NOT NULL,
    "voter_issuer" TEXT NOT NULL,
    "voter" JSONB NOT NULL,
    "decision" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "break_glass" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "votes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "votes_review_id_voter_subject_voter_issuer_key" ON "policy"."votes"("review_id", "voter_subject", "voter_issuer");

-- AddForeignKey
ALTER TABLE "policy"."votes" ADD CONSTRAINT "votes_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "policy"."reviews"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Events written in the same transaction as the vote or timer they report, so that a crash between
-- commit and publish delays them instead of losing them (published again by the relay).
-- CreateTable
CREATE TABLE "policy"."outbox" (
    "event_id" UUID NOT NULL,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "outbox_published_at_created_at_idx" ON "policy"."outbox"("published_at", "created_at");

-- Identical pending intents (same intent hash, same requester) share one review: agents retry, and
-- reviewers must not see a hundred copies. The partial unique index makes two policy copies racing to
-- open the same review fail one batch, which is retried and then joins the review the other opened.
-- AlterTable
ALTER TABLE "policy"."reviews" ADD COLUMN "requester_key" TEXT;

-- CreateIndex (partial: Prisma's schema language cannot state it, hence hand-written)
CREATE UNIQUE INDEX "reviews_pending_dedup_key" ON "policy"."reviews"("intent_hash", "requester_key") WHERE "state" = 'pending';

-- Every intent a review decides, the one that opened it included.
-- CreateTable
CREATE TABLE "policy"."review_intents" (
    "intent_id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_intents_pkey" PRIMARY KEY ("intent_id")
);

-- CreateIndex
CREATE INDEX "review_intents_review_id_idx" ON "policy"."review_intents"("review_id");

-- AddForeignKey
ALTER TABLE "policy"."review_intents" ADD CONSTRAINT "review_intents_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "policy"."reviews"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A break-glass approval opens a post-hoc review of the same intent: reviews are unique per intent and
-- kind, not per intent. The masked view is kept with the review, for a post-hoc review's request and
-- for GET /v1/reviews/:id (never the submitted intent).
-- AlterTable
ALTER TABLE "policy"."reviews" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'approval',
ADD COLUMN "masked" JSONB;

-- DropIndex
DROP INDEX "policy"."reviews_intent_id_key";

-- CreateIndex
CREATE UNIQUE INDEX "reviews_intent_id_kind_key" ON "policy"."reviews"("intent_id", "kind");
