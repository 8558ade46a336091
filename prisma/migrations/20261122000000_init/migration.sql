-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "intake";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "policy";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "notifier";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "broker";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "audit";

-- CreateTable
CREATE TABLE "intake"."intents" (
    "id" UUID NOT NULL,
    "requester_subject" TEXT NOT NULL,
    "requester" JSONB NOT NULL,
    "action" TEXT NOT NULL,
    "resource" JSONB NOT NULL,
    "args" JSONB NOT NULL,
    "justification" TEXT NOT NULL,
    "dedupe_key" TEXT,
    "intent_hash" CHAR(64) NOT NULL,
    "state" TEXT NOT NULL,
    "decision" TEXT,
    "reasons" JSONB,
    "rule_ids" JSONB,
    "policy_version" TEXT,
    "grant_id" UUID,
    "grant_jti" UUID,
    "claim_by" TIMESTAMPTZ(6),
    "submitted_event_id" UUID NOT NULL,
    "published_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "intake"."idempotency_keys" (
    "requester_subject" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "intent_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("requester_subject","key")
);

-- CreateTable
CREATE TABLE "intake"."intent_events" (
    "event_id" UUID NOT NULL,
    "intent_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "applied_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intent_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "policy"."decisions" (
    "intent_id" UUID NOT NULL,
    "intent_hash" CHAR(64) NOT NULL,
    "decision" TEXT NOT NULL,
    "policy_version" TEXT NOT NULL,
    "rule_ids" JSONB NOT NULL,
    "reasons" JSONB NOT NULL,
    "review" JSONB,
    "grant_terms" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "decisions_pkey" PRIMARY KEY ("intent_id")
);

-- CreateTable
CREATE TABLE "policy"."reviews" (
    "id" UUID NOT NULL,
    "intent_id" UUID NOT NULL,
    "state" TEXT NOT NULL,
    "requirement" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy"."processed_events" (
    "event_id" UUID NOT NULL,
    "consumer" TEXT NOT NULL,
    "outgoing" JSONB NOT NULL DEFAULT '[]',
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "notifier"."deliveries" (
    "id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "intent_id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "external_ref" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifier"."processed_events" (
    "event_id" UUID NOT NULL,
    "consumer" TEXT NOT NULL,
    "outgoing" JSONB NOT NULL DEFAULT '[]',
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "broker"."grants" (
    "id" UUID NOT NULL,
    "intent_id" UUID NOT NULL,
    "jti" UUID NOT NULL,
    "intent_hash" CHAR(64) NOT NULL,
    "requester_subject" TEXT NOT NULL,
    "requester_issuer" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resource" JSONB NOT NULL,
    "state" TEXT NOT NULL,
    "claim_by" TIMESTAMPTZ(6) NOT NULL,
    "use_ttl_seconds" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(6),
    "token_sha256" CHAR(64),
    "kid" TEXT,
    "claimed_at" TIMESTAMPTZ(6),
    "redeemed_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grants_pkey" PRIMARY KEY ("id"),
    -- Hand-written: Prisma cannot express CHECK constraints (and `migrate diff` ignores them).
    CONSTRAINT "grants_state_check" CHECK ("state" IN ('issued', 'claimed', 'redeemed', 'expired', 'revoked'))
);

-- CreateTable
CREATE TABLE "broker"."processed_events" (
    "event_id" UUID NOT NULL,
    "consumer" TEXT NOT NULL,
    "outgoing" JSONB NOT NULL DEFAULT '[]',
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "audit"."events" (
    "seq" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "intent_id" UUID,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" JSONB NOT NULL,
    "leaf_hash" CHAR(64) NOT NULL,
    "prev_hash" CHAR(64) NOT NULL,
    "entry_hash" CHAR(64) NOT NULL,
    "signature" TEXT NOT NULL,
    "kid" TEXT NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "intents_submitted_event_id_key" ON "intake"."intents"("submitted_event_id");

-- CreateIndex
CREATE INDEX "intents_state_published_at_idx" ON "intake"."intents"("state", "published_at");

-- CreateIndex
CREATE INDEX "intent_events_intent_id_idx" ON "intake"."intent_events"("intent_id");

-- CreateIndex
CREATE UNIQUE INDEX "reviews_intent_id_key" ON "policy"."reviews"("intent_id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_review_id_channel_key" ON "notifier"."deliveries"("review_id", "channel");

-- CreateIndex
CREATE UNIQUE INDEX "grants_intent_id_key" ON "broker"."grants"("intent_id");

-- CreateIndex
CREATE UNIQUE INDEX "grants_jti_key" ON "broker"."grants"("jti");

-- CreateIndex
CREATE INDEX "grants_state_claim_by_idx" ON "broker"."grants"("state", "claim_by");

-- CreateIndex
CREATE INDEX "grants_state_expires_at_idx" ON "broker"."grants"("state", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "events_event_id_key" ON "audit"."events"("event_id");

-- CreateIndex
CREATE UNIQUE INDEX "events_entry_hash_key" ON "audit"."events"("entry_hash");

-- CreateIndex
CREATE INDEX "events_intent_id_idx" ON "audit"."events"("intent_id");

-- Hand-written: the audit log is append-only. A trigger (rather than only REVOKE) also binds the
-- table owner, so a compromised service account cannot quietly rewrite history.
CREATE FUNCTION "audit"."refuse_mutation"() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "events_no_update_delete"
    BEFORE UPDATE OR DELETE ON "audit"."events"
    FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_mutation"();

CREATE TRIGGER "events_no_truncate"
    BEFORE TRUNCATE ON "audit"."events"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_mutation"();
