import type {
  CountersignEvent,
  EventOf,
  GrantTerms,
  Intent,
  IntentSubmittedV1,
  MaskedValue,
  Requester,
  ReviewRequirement,
} from '@countersign/contracts';
import { classify, intentHash, nextTimerAt, type Classification, type CompiledPolicy, type Tokenizer } from '@countersign/domain';
import type { IdGenerator } from '@countersign/platform/runtime';
import { buildOutgoingEvents } from './build-outgoing-events.js';

export type SubmittedEvent = EventOf<typeof IntentSubmittedV1>;

export interface DecisionRow {
  intentId: string;
  intentHash: string;
  decision: Classification['decision'];
  ruleIds: string[];
  reasons: string[];
  review: ReviewRequirement | null;
  grantTerms: GrantTerms | null;
}

export interface ReviewRow {
  id: string;
  intentId: string;
  intentHash: string;
  requester: Requester;
  requirement: ReviewRequirement;
  expiresAt: Date;
  nextTimerAt: Date;
  masked: ReviewerView;
}

/** What reviewers may see of a reviewed intent; kept with the review. */
export interface ReviewerView {
  intent: Intent;
  values: MaskedValue[];
  ruleIds: string[];
  reasons: string[];
  tags: string[];
}

export interface PlannedClassification {
  eventId: string;
  intentId: string;
  decision: DecisionRow;
  /** A new review this intent opens. */
  review?: ReviewRow;
  /** The review this intent is decided by (new or joined); undefined unless the decision is review. */
  reviewId?: string;
  /** True when the intent joins a review that was pending before this batch. */
  joinedExisting?: boolean;
  /** Published only if the decision row is really inserted (the intent was not decided before). */
  outgoing: CountersignEvent[];
}

export interface ClassificationPlan {
  planned: PlannedClassification[];
  /** Events that cannot be classified at all; they are recorded as processed with nothing to say. */
  withoutIntentId: string[];
}

export interface PlanContext {
  policy: CompiledPolicy;
  now: Date;
  ids: IdGenerator;
  tokenize: Tokenizer;
  /** Pending reviews by dedup key (see reviewKey), looked up before planning. */
  pendingReviews?: ReadonlyMap<string, string>;
}

/**
 * Identical pending intents share one review: same intent hash (same action, resource and args) from
 * the same requester. Agents retry; reviewers must not see a hundred copies.
 */
export function reviewKey(hash: string, requester: Requester): string {
  return `${hash}|${requesterKey(requester)}`;
}

/** The requester part of the key, as stored in policy.reviews.requester_key. */
export function requesterKey(requester: Requester): string {
  return `${requester.issuer}|${requester.subject}`;
}

/**
 * Classifies a batch of submitted events in memory. Pure apart from the ids it draws, so the
 * statement that follows only writes. Within a batch the first event for an intent wins, as the
 * first committed decision wins across batches.
 */
export function planClassifications(
  events: readonly SubmittedEvent[],
  ctx: PlanContext,
): ClassificationPlan {
  const planned: PlannedClassification[] = [];
  const withoutIntentId: string[] = [];
  const seen = new Set<string>();
  // Reviews opened earlier in this batch join the lookup, so that a burst of copies opens one review.
  const open = new Map(ctx.pendingReviews ?? []);
  for (const submitted of events) {
    const intentId = submitted.intentId;
    if (intentId === null) {
      withoutIntentId.push(submitted.id);
      continue;
    }
    if (seen.has(intentId)) continue;
    seen.add(intentId);
    const plan = planOne(submitted, intentId, ctx, open);
    if (plan.review) open.set(reviewKey(plan.review.intentHash, plan.review.requester), plan.review.id);
    planned.push(plan);
  }
  return { planned, withoutIntentId };
}

function planOne(
  submitted: SubmittedEvent,
  intentId: string,
  { policy, now, ids, tokenize, pendingReviews }: PlanContext,
  open: ReadonlyMap<string, string>,
): PlannedClassification {
  const { intent } = submitted.data;
  const hash = intentHash(intent);
  // Approvals and grants are bound to this hash; never trust one we cannot reproduce.
  const classified = classify(policy, intent, { now, tokenize });
  // The masked view is kept even then: the deny goes to audit and must not carry the secrets either.
  const classification: Classification =
    hash === submitted.data.intentHash
      ? classified
      : {
          decision: 'deny',
          ruleIds: [],
          reasons: ['intent hash does not match the intent; refusing to classify'],
          tags: classified.tags,
          masked: classified.masked,
        };

  let review: ReviewRow | undefined;
  let reviewRef: { id: string; reviewRequestedEventId: string; expiresAt: Date } | undefined;
  const joined = classification.decision === 'review' ? open.get(reviewKey(hash, intent.requester)) : undefined;
  if (classification.decision === 'review' && classification.review && joined === undefined) {
    const expiresAt = new Date(now.getTime() + classification.review.ttlSeconds * 1000);
    reviewRef = { id: ids.next(), reviewRequestedEventId: ids.next(), expiresAt };
    const requirement = classification.review;
    review = {
      id: reviewRef.id,
      intentId,
      intentHash: hash,
      requester: intent.requester,
      requirement,
      expiresAt,
      nextTimerAt: nextTimerAt({ openedAt: now, expiresAt, requirement, escalatedSteps: 0, reminded: false }),
      masked: {
        intent: classification.masked.intent,
        values: classification.masked.values,
        ruleIds: classification.ruleIds,
        reasons: classification.reasons,
        tags: classification.tags,
      },
    };
  }
  const outgoing = buildOutgoingEvents({
    submitted,
    intentId,
    intentHash: hash,
    policyVersion: policy.version,
    classification,
    now,
    classifiedEventId: ids.next(),
    ...(reviewRef ? { review: reviewRef } : {}),
    ...(joined ? { joinedReviewId: joined } : {}),
  });
  return {
    eventId: submitted.id,
    intentId,
    decision: {
      intentId,
      intentHash: hash,
      decision: classification.decision,
      ruleIds: classification.ruleIds,
      reasons: classification.reasons,
      review: classification.review ?? null,
      grantTerms: classification.grant ?? null,
    },
    ...(review ? { review } : {}),
    ...(review || joined ? { reviewId: review?.id ?? joined } : {}),
    ...(joined && pendingReviews?.get(reviewKey(hash, intent.requester)) === joined ? { joinedExisting: true } : {}),
    outgoing,
  };
}
