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
