import { z } from 'zod';
import { defineEvent, EventId, type EventDefinition } from './envelope.js';
import { Intent, Sha256Hex } from './intent.js';
import {
  PasskeyRegisteredV1,
  ReviewConcludedV1,
  ReviewEscalatedV1,
  ReviewKind,
  ReviewExpiringV1,
  ReviewVoteCastV1,
  ReviewVoteRecordedV1,
  ReviewVoteRefusedV1,
} from './review-events.js';

const Decision = z.enum(['allow', 'deny', 'review']);
export type Decision = z.infer<typeof Decision>;

const EscalationStep = z.object({
  /** Seconds after the review opened. */
  afterSeconds: z.number().int().positive(),
  /** Further groups notified at that point; they may vote like the approver groups. */
  groups: z.array(z.string().min(1)).min(1),
});

const ReviewRequirement = z.object({
  /** Every group must be satisfied by its own approver; one person never fills two groups. */
  approverGroups: z.array(z.string().min(1)).min(1),
  quorum: z.number().int().min(1).max(10),
  ttlSeconds: z.number().int().positive(),
  escalation: z.array(EscalationStep).default([]),
  /** Votes count only from the console with a fresh sign-in, not from a chat click. */
  stepUp: z.boolean().default(false),
  /** The requester may self-approve with a mandatory reason; the intent is flagged and reviewed afterwards. */
  breakGlass: z.boolean().default(false),
});
export type ReviewRequirement = z.infer<typeof ReviewRequirement>;

const GrantTerms = z.object({
  /** The target that will redeem the grant; becomes the JWT `aud`. */
  audience: z.string().min(1).max(512),
  claimTtlSeconds: z.number().int().positive().max(86_400),
  useTtlSeconds: z.number().int().positive().max(3_600),
});
export type GrantTerms = z.infer<typeof GrantTerms>;

/** Where a value of the intent was masked and why (`path:<pattern>` or `detector:<name>`); never the value. */
export const MaskedValue = z.object({ path: z.string().min(1), reason: z.string().min(1) });
export type MaskedValue = z.infer<typeof MaskedValue>;

/** The intent as a reviewer may see it: secrets and personal data replaced by keyed-hash tokens. */
const MaskedView = z.object({ intent: Intent, values: z.array(MaskedValue) });

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
    /** The intent's own tags merged with the policy's classification; a requester cannot drop one. */
    tags: z.array(z.string()).default([]),
    review: ReviewRequirement.optional(),
    /** The review that decides this intent; identical pending intents of one requester share one. */
    reviewId: z.uuid().optional(),
    grant: GrantTerms.optional(),
    /** Always set by the policy service; optional only so that fixtures of other services stay small. */
    masked: MaskedView.optional(),
  }),
);

export const ReviewRequestedV1 = defineEvent(
  'review.requested',
  1,
  z.object({
    reviewId: z.uuid(),
    intentHash: Sha256Hex,
    /** post_hoc: the requester already approved under break-glass; reviewers look back at it. */
    kind: ReviewKind.default('approval'),
    requirement: ReviewRequirement,
    expiresAt: z.iso.datetime(),
    /** The MASKED intent: this event goes to chat, so it never carries a secret or personal datum. */
    intent: Intent,
    masked: z.array(MaskedValue).default([]),
    /** Context for the reviewer: why a human is asked. */
    ruleIds: z.array(z.string()).default([]),
    reasons: z.array(z.string()).default([]),
    tags: z.array(z.string()).default([]),
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
  ReviewOutcome.extend({
    grant: GrantTerms,
    approvers: z.array(z.string()).min(1),
    /** Approved by the requester under a break-glass rule; a post-hoc review follows. */
    breakGlass: z.boolean().default(false),
  }),
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
/** Taken back before it was used up; the actor is whoever revoked it, `reason` is theirs. */
export const GrantRevokedV1 = defineEvent('grant.revoked', 1, GrantRef.extend({ reason: z.string().min(1).max(2000) }));
/**
 * What a credential provider made for a grant (a database role, a lease) no longer exists: the end of
 * the privilege, which evidence of zero standing privilege needs as much as its start.
 */
export const GrantCredentialRemovedV1 = defineEvent(
  'grant.credential_removed',
  1,
  z.object({ grantId: z.uuid(), jti: z.uuid(), kind: z.string().min(1).max(64), reason: z.string().min(1).max(200) }),
);

const PolicyProblem = z.object({
  file: z.string(),
  line: z.number().int().positive().optional(),
  ruleId: z.string().optional(),
  path: z.string(),
  message: z.string().max(2000),
});
export type PolicyProblem = z.infer<typeof PolicyProblem>;

/** A policy version took force (at boot or on reload). */
export const PolicyActivatedV1 = defineEvent(
  'policy.activated',
  1,
  z.object({
    policyVersion: Sha256Hex,
    previousVersion: Sha256Hex.nullable(),
    files: z.array(z.string()),
    rules: z.number().int().nonnegative(),
  }),
);

/** A changed policy directory was refused; `inForce` is the version that keeps deciding. */
export const PolicyRejectedV1 = defineEvent(
  'policy.rejected',
  1,
  z.object({ inForce: Sha256Hex, problems: z.array(PolicyProblem).min(1).max(200) }),
);

/** Which message a consumer refused: where it was in the stream and a digest of its bytes, never its contents. */
const RefusedMessage = z.object({
  subject: z.string(),
  consumer: z.string(),
  streamSequence: z.number().int().nonnegative(),
  payloadSha256: Sha256Hex,
  originalEventId: EventId.optional(),
});

/** A consumer refused a message it could not parse; published so the refusal is audit-visible. */
export const MessageRejectedV1 = defineEvent('system.message_rejected', 1, RefusedMessage.extend({ reason: z.string().max(4000) }));

/**
 * A consumer refused an event whose service signature was missing, did not verify, or came from a key
 * of a service that does not own the event's type. The event was never handled; this record is what
 * audit keeps of the attempt (the forged payload itself is not stored, only its digest).
 */
export const SignatureRejectedV1 = defineEvent(
  'system.signature_rejected',
  1,
  RefusedMessage.extend({
    eventType: z.string().max(128),
    /** The key id the signature named, when it named one. */
    kid: z.string().max(128).optional(),
    /** The service that kid belongs to, when the key is known. */
    signer: z.string().max(64).optional(),
    reason: z.string().max(1000),
  }),
);

export const ALL_EVENTS = [
  IntentSubmittedV1,
  IntentClassifiedV1,
  ReviewRequestedV1,
  ReviewNotifiedV1,
  ReviewVoteCastV1,
  ReviewVoteRecordedV1,
  ReviewVoteRefusedV1,
  ReviewEscalatedV1,
  ReviewExpiringV1,
  ReviewConcludedV1,
  PasskeyRegisteredV1,
  IntentApprovedV1,
  IntentRejectedV1,
  IntentExpiredV1,
  IntentWithdrawnV1,
  GrantIssuedV1,
  GrantClaimedV1,
  GrantRedeemedV1,
  GrantExpiredV1,
  GrantRevokedV1,
  GrantCredentialRemovedV1,
  PolicyActivatedV1,
  PolicyRejectedV1,
  MessageRejectedV1,
  SignatureRejectedV1,
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
  policy: 'countersign.policy.>',
} as const;
