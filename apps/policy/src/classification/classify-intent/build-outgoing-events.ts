import {
  createEvent,
  IntentClassifiedV1,
  ReviewRequestedV1,
  type CountersignEvent,
  type EventOf,
  type IntentSubmittedV1,
} from '@countersign/contracts';
import type { Classification } from '@countersign/domain';

export const POLICY_ACTOR = { kind: 'service', id: 'policy' } as const;

export interface OutgoingInput {
  submitted: EventOf<typeof IntentSubmittedV1>;
  intentId: string;
  intentHash: string;
  policyVersion: string;
  classification: Classification;
  now: Date;
  classifiedEventId: string;
  review?: { id: string; reviewRequestedEventId: string; expiresAt: Date };
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
      ...(c.review ? { review: c.review } : {}),
      ...(c.grant ? { grant: c.grant } : {}),
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
      intent: input.submitted.data.intent,
    },
  });
  return [classified, requested];
}
