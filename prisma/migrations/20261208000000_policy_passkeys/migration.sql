-- Owned by apps/policy: passkeys for step-up votes (issue 8). Policy decides votes, so it verifies the
-- WebAuthn assertions too, against the public keys kept here. Nothing here is secret: a passkey's
-- private key never leaves the authenticator.
-- CreateTable
CREATE TABLE "policy"."passkeys" (
    "credential_id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "public_key" BYTEA NOT NULL,
    "sign_count" BIGINT NOT NULL DEFAULT 0,
    "transports" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(6),

    CONSTRAINT "passkeys_pkey" PRIMARY KEY ("credential_id")
);

-- CreateIndex
CREATE INDEX "passkeys_subject_issuer_idx" ON "policy"."passkeys"("subject", "issuer");

-- One-time WebAuthn challenges (registration, or a step-up vote bound to a review, its intent hash and
-- a decision), consumed by DELETE … RETURNING so that each one is used at most once.
-- CreateTable
CREATE TABLE "policy"."webauthn_challenges" (
    "challenge" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "review_id" UUID,
    "decision" TEXT,
    "nonce" TEXT,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webauthn_challenges_pkey" PRIMARY KEY ("challenge")
);

-- CreateIndex
CREATE INDEX "webauthn_challenges_expires_at_idx" ON "policy"."webauthn_challenges"("expires_at");

-- The assertion of a step-up vote, kept with the vote (it is also in the vote_recorded event).
-- AlterTable
ALTER TABLE "policy"."votes" ADD COLUMN "step_up" JSONB;
