import { z } from 'zod';
import { defineEvent } from './envelope.js';
import { Sha256Hex } from './intent.js';

export const VoteDecision = z.enum(['approve', 'reject']);
export type VoteDecision = z.infer<typeof VoteDecision>;

export const VoteChannel = z.enum(['api', 'console', 'slack', 'teams', 'webhook']);
export type VoteChannel = z.infer<typeof VoteChannel>;

/**
 * Who voted, as the channel established it: the subject and groups of a verified OIDC token, or of the
 * directory identity a verified chat user maps to. Never taken from a request body.
 */
export const Voter = z.object({
  subject: z.string().min(1).max(256),
  issuer: z.string().min(1).max(512),
  groups: z.array(z.string().min(1).max(128)).max(64),
  /** How the channel verified the person, e.g. `oidc` or `slack-signature+directory`. */
  authMethod: z.string().min(1).max(64),
  /** The chat account the vote came from, when it came from chat. */
  channelUser: z.string().min(1).max(256).optional(),
});
export type Voter = z.infer<typeof Voter>;

const Reason = z.string().trim().min(1).max(2000);
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url').max(16_384);

/**
 * A step-up vote's WebAuthn assertion, as the authenticator produced it, so that an auditor can check
 * offline that this person's passkey (its public key is in `passkey.registered`) signed this exact
 * vote: `clientDataJSON.challenge` is `stepUpChallenge(reviewId, intentHash, decision, nonce)`
 * (libs/domain), and `signature` covers `authenticatorData ‖ SHA-256(clientDataJSON)`.
 */
export const StepUpAssertion = z.object({
  credentialId: Base64Url.min(1),
  authenticatorData: Base64Url.min(1),
  clientDataJSON: Base64Url.min(1),
  signature: Base64Url.min(1),
  userHandle: Base64Url.optional(),
  /** The random part of the challenge; the rest is the review, its intent hash and the decision. */
  nonce: Base64Url.min(1),
  /** When the voter last signed in (the token's `auth_time`); step-up wants it recent. */
  authTime: z.iso.datetime(),
});
export type StepUpAssertion = z.infer<typeof StepUpAssertion>;

/** A person's vote, as a channel (chat, webhook, API, console) received and verified it. */
export const ReviewVoteCastV1 = defineEvent(
  'review.vote_cast',
  1,
  z.object({
    reviewId: z.uuid(),
    decision: VoteDecision,
    reason: Reason.optional(),
    voter: Voter,
    channel: VoteChannel,
    /** The requester approving their own intent under a break-glass rule (a reason is then required). */
    breakGlass: z.boolean().default(false),
    /** True only for a console vote after a fresh sign-in with a passkey assertion over the intent hash. */
    stepUp: z.boolean().default(false),
  }),
);

/** A vote that counts. */
export const ReviewVoteRecordedV1 = defineEvent(
  'review.vote_recorded',
  1,
  z.object({
    reviewId: z.uuid(),
    intentHash: Sha256Hex,
    decision: VoteDecision,
    reason: Reason.optional(),
    voter: Voter,
    channel: VoteChannel,
    breakGlass: z.boolean(),
    /** Present on a step-up vote: the passkey assertion over this review, intent hash and decision. */
    stepUp: StepUpAssertion.optional(),
    /** Distinct approvers so far, and how many the review needs. */
    approvals: z.number().int().nonnegative(),
    quorum: z.number().int().positive(),
  }),
);

export const VoteRefusal = z.enum([
  'NOT_MAPPED',
  'NOT_APPROVER',
  'SELF_APPROVAL',
  'OWNER_APPROVAL',
  'ALREADY_VOTED',
  'REVIEW_DECIDED',
  'REVIEW_EXPIRED',
  'REVIEW_NOT_FOUND',
  'STEP_UP_REQUIRED',
  'STEP_UP_STALE_LOGIN',
  'PASSKEY_INVALID',
  'REASON_REQUIRED',
  'BREAK_GLASS_NOT_ALLOWED',
]);
export type VoteRefusal = z.infer<typeof VoteRefusal>;

/** A vote that does not count, with why: self-approval attempts and the like are evidence. */
export const ReviewVoteRefusedV1 = defineEvent(
  'review.vote_refused',
  1,
  z.object({
    reviewId: z.uuid(),
    decision: VoteDecision,
    voter: Voter,
    channel: VoteChannel,
    code: VoteRefusal,
    reason: z.string().max(2000),
  }),
);

/** The escalation ladder reached a step: these groups are notified and may now vote. */
export const ReviewEscalatedV1 = defineEvent(
  'review.escalated',
  1,
  z.object({ reviewId: z.uuid(), intentHash: Sha256Hex, afterSeconds: z.number().int().positive(), groups: z.array(z.string()).min(1) }),
);

/** A review is close to its expiry with no decision: reviewers get a reminder. */
export const ReviewExpiringV1 = defineEvent(
  'review.expiring',
  1,
  z.object({ reviewId: z.uuid(), intentHash: Sha256Hex, expiresAt: z.iso.datetime() }),
);

export const ReviewKind = z.enum(['approval', 'post_hoc']);
export type ReviewKind = z.infer<typeof ReviewKind>;

/**
 * A review ended without deciding the intent: a post-hoc review (opened by a break-glass approval)
 * reached its end — a rejection is the finding that the break-glass was not justified — or the
 * requester withdrew every intent an approval review was open for (`withdrawn`).
 */
export const ReviewConcludedV1 = defineEvent(
  'review.concluded',
  1,
  z.object({
    reviewId: z.uuid(),
    intentHash: Sha256Hex,
    kind: ReviewKind,
    outcome: z.enum(['approved', 'rejected', 'expired', 'withdrawn']),
    approvers: z.array(z.string()).default([]),
    reason: z.string().max(2000).optional(),
  }),
);

/**
 * A person registered a passkey for step-up votes. Carries the public key (COSE, as WebAuthn gives it)
 * so that the assertions of later step-up votes can be checked from the audit log alone; nothing secret.
 */
export const PasskeyRegisteredV1 = defineEvent(
  'passkey.registered',
  1,
  z.object({
    owner: z.object({ subject: z.string().min(1).max(256), issuer: z.string().min(1).max(512) }),
    credentialId: Base64Url.min(1),
    /** COSE_Key, base64url. */
    publicKey: Base64Url.min(1),
    /** COSE algorithm identifier (-7 ES256, -8 EdDSA, -257 RS256). */
    algorithm: z.number().int(),
    aaguid: z.string().max(64),
    userVerified: z.boolean(),
    deviceType: z.enum(['singleDevice', 'multiDevice']),
    backedUp: z.boolean(),
    rpId: z.string().min(1).max(253),
    origin: z.string().min(1).max(512),
  }),
);
