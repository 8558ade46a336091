import { z } from 'zod';
import { defineEvent, EventId, type EventDefinition } from './envelope.js';
import { Intent, Sha256Hex } from './intent.js';

const Decision = z.enum(['allow', 'deny', 'review']);
export type Decision = z.infer<typeof Decision>;

const ReviewRequirement = z.object({
  approverGroups: z.array(z.string().min(1)).min(1),
  quorum: z.number().int().min(1).max(10),
  ttlSeconds: z.number().int().positive(),
});
export type ReviewRequirement = z.infer<typeof ReviewRequirement>;

const GrantTerms = z.object({
  /** The target that will redeem the grant; becomes the JWT `aud`. */
  audience: z.string().min(1).max(512),
  claimTtlSeconds: z.number().int().positive().max(86_400),
  useTtlSeconds: z.number().int().positive().max(3_600),
});
export type GrantTerms = z.infer<typeof GrantTerms>;

export const IntentSubmittedV1 = defineEvent(
  'intent.submitted',
  1,
  z.object({ intent: Intent, intentHash: Sha256Hex }),
);

export const IntentClassifiedV1 = defineEvent(
  'intent.classified',
  1,
  z.object({
    intentHash: Sha256Hex,
    decision: Decision,
    policyVersion: Sha256Hex,
    ruleIds: z.array(z.string()),
    reasons: z.array(z.string()),
    review: ReviewRequirement.optional(),
    grant: GrantTerms.optional(),
  }),
);

export const ReviewRequestedV1 = defineEvent(
  'review.requested',
  1,
  z.object({
    reviewId: z.uuid(),
    intentHash: Sha256Hex,
    requirement: ReviewRequirement,
    expiresAt: z.iso.datetime(),
    /** Copy of the intent as reviewers may see it. Masking of secrets is the policy language's job. */
    intent: Intent,
  }),
);

export const ReviewNotifiedV1 = defineEvent(
  'review.notified',
  1,
  z.object({ reviewId: z.uuid(), channel: z.string().min(1), deliveryId: z.uuid() }),
);

const ReviewOutcome = z.object({
  reviewId: z.uuid(),
  intentHash: Sha256Hex,
  reason: z.string().max(2000).optional(),
});
export const IntentApprovedV1 = defineEvent(
  'intent.approved',
  1,
  ReviewOutcome.extend({ grant: GrantTerms, approvers: z.array(z.string()).min(1) }),
);
export const IntentRejectedV1 = defineEvent('intent.rejected', 1, ReviewOutcome);
export const IntentExpiredV1 = defineEvent('intent.expired', 1, ReviewOutcome);
export const IntentWithdrawnV1 = defineEvent(
  'intent.withdrawn',
  1,
  z.object({ reason: z.string().max(2000).optional() }),
);

const GrantRef = z.object({
  grantId: z.uuid(),
  /** The JWT id. The token itself never travels on a persisted subject. */
  jti: z.uuid(),
  intentHash: Sha256Hex,
});
export const GrantIssuedV1 = defineEvent(
  'grant.issued',
  1,
  GrantRef.extend({ audience: z.string(), claimBy: z.iso.datetime() }),
);
export const GrantClaimedV1 = defineEvent(
  'grant.claimed',
  1,
  GrantRef.extend({ expiresAt: z.iso.datetime(), tokenSha256: Sha256Hex }),
);
export const GrantRedeemedV1 = defineEvent('grant.redeemed', 1, GrantRef.extend({ audience: z.string() }));
export const GrantExpiredV1 = defineEvent(
  'grant.expired',
  1,
  GrantRef.extend({ stage: z.enum(['unclaimed', 'unused']) }),
);
export const GrantRevokedV1 = defineEvent('grant.revoked', 1, GrantRef.extend({ reason: z.string() }));

/** A consumer refused a message it could not parse; published so the refusal is audit-visible. */
export const MessageRejectedV1 = defineEvent(
  'system.message_rejected',
  1,
  z.object({
    subject: z.string(),
    consumer: z.string(),
    streamSequence: z.number().int().nonnegative(),
    payloadSha256: Sha256Hex,
    reason: z.string().max(4000),
    originalEventId: EventId.optional(),
  }),
);

export const ALL_EVENTS = [
  IntentSubmittedV1,
  IntentClassifiedV1,
  ReviewRequestedV1,
  ReviewNotifiedV1,
  IntentApprovedV1,
  IntentRejectedV1,
  IntentExpiredV1,
  IntentWithdrawnV1,
  GrantIssuedV1,
  GrantClaimedV1,
  GrantRedeemedV1,
  GrantExpiredV1,
  GrantRevokedV1,
  MessageRejectedV1,
] as const;

export type AnyEventDefinition = (typeof ALL_EVENTS)[number];
export type CountersignEvent = z.infer<AnyEventDefinition['schema']>;
export type EventType = CountersignEvent['type'];

const bySubject = new Map<string, EventDefinition>(ALL_EVENTS.map((d) => [d.subject, d]));

/** The definition behind a concrete subject, or undefined for a subject no contract names. */
export function definitionForSubject(subject: string): EventDefinition | undefined {
  return bySubject.get(subject);
}

/** Wildcards consumers filter on. */
export const SubjectFilters = {
  all: 'countersign.>',
  intent: 'countersign.intent.>',
  review: 'countersign.review.>',
  grant: 'countersign.grant.>',
} as const;
