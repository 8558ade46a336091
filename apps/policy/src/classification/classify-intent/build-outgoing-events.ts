import {
  createEvent,
  IntentClassifiedV1,
  ReviewRequestedV1,
  type CountersignEvent,
  type EventOf,
  type IntentSubmittedV1,
} from '@countersign/contracts';
import type { Classification } from '@countersign/domain';

import { POLICY_ACTOR } from '../../policy-actor.js';

export interface OutgoingInput {
  submitted: EventOf<typeof IntentSubmittedV1>;
  intentId: string;
  intentHash: string;
  policyVersion: string;
  classification: Classification;
  now: Date;
  classifiedEventId: string;
  review?: { id: string; reviewRequestedEventId: string; expiresAt: Date };
  /** An identical pending intent's review this one joins: no second review.requested. */
  joinedReviewId?: string;
}

/** The events one classification produces, in the order they must be published. */
export function buildOutgoingEvents(input: OutgoingInput): CountersignEvent[] {
  const { classification: c } = input;
  const classified = createEvent(IntentClassifiedV1, {
    id: input.classifiedEventId,
    occurredAt: input.now,
    intentId: input.intentId,
    actor: POLICY_ACTOR,
    causationId: input.submitted.id,
    data: {
      intentHash: input.intentHash,
      decision: c.decision,
      policyVersion: input.policyVersion,
      ruleIds: c.ruleIds,
      reasons: c.reasons,
      tags: c.tags,
      ...(c.review ? { review: c.review } : {}),
      ...(input.review || input.joinedReviewId ? { reviewId: input.review?.id ?? input.joinedReviewId } : {}),
      ...(c.grant ? { grant: c.grant } : {}),
      masked: c.masked,
    },
  });
  if (!input.review || !c.review) return [classified];
  const requested = createEvent(ReviewRequestedV1, {
    id: input.review.reviewRequestedEventId,
    occurredAt: input.now,
    intentId: input.intentId,
    actor: POLICY_ACTOR,
    causationId: classified.id,
    data: {
      reviewId: input.review.id,
      intentHash: input.intentHash,
      requirement: c.review,
      expiresAt: input.review.expiresAt.toISOString(),
      // Reviewers see only the masked intent; the submitted one stays with policy and broker.
      intent: c.masked.intent,
      masked: c.masked.values,
      ruleIds: c.ruleIds,
      reasons: c.reasons,
      tags: c.tags,
    },
  });
  return [classified, requested];
}
