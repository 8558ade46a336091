import { Inject, Injectable } from '@nestjs/common';
import type { CountersignEvent, EventOf, IntentSubmittedV1 } from '@countersign/contracts';
import { classify, intentHash, type Classification } from '@countersign/domain';
import { processOnce, type Prisma, type PrismaClient } from '@countersign/platform/db';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { PRISMA } from '../../database/prisma.provider.js';
import { PolicyStore } from '../../policy-loading/policy-store.js';
import { buildOutgoingEvents } from './build-outgoing-events.js';

export const POLICY_CONSUMER = 'policy';

export class MissingIntentIdError extends Error {
  readonly code = 'INTENT_ID_MISSING';
  constructor(eventId: string) {
    super(`intent.submitted ${eventId} carries no intentId`);
    this.name = 'MissingIntentIdError';
  }
}

export interface ClassifyIntentResult {
  duplicate: boolean;
  outgoing: CountersignEvent[];
}

/**
 * intent.submitted → decision (+ review) rows → intent.classified (+ review.requested).
 * Rows and outgoing events commit together under the submitted event's id; a redelivery finds the row
 * and republishes the stored events with their original ids, which JetStream then deduplicates.
 */
@Injectable()
export class ClassifyIntent {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly store: PolicyStore,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async execute(submitted: EventOf<typeof IntentSubmittedV1>): Promise<ClassifyIntentResult> {
    const intentId = submitted.intentId;
    if (intentId === null) throw new MissingIntentIdError(submitted.id);
    const result = await processOnce(
      this.prisma,
      { schema: 'policy', consumer: POLICY_CONSUMER, eventId: submitted.id },
      (tx) => this.decide(tx, submitted, intentId),
    );
    // After commit: a crash here leaves the events stored for the redelivery to publish.
    await this.publisher.publishAll(result.outgoing);
    return result;
  }

  private async decide(
    tx: Prisma.TransactionClient,
    submitted: EventOf<typeof IntentSubmittedV1>,
    intentId: string,
  ): Promise<CountersignEvent[]> {
    const policy = this.store.current();
    const { intent } = submitted.data;
    const hash = intentHash(intent);
    // Approvals and grants are bound to this hash; never trust one we cannot reproduce.
    const classification: Classification =
      hash === submitted.data.intentHash
        ? classify(policy, intent)
        : { decision: 'deny', ruleIds: [], reasons: ['intent hash does not match the intent; refusing to classify'] };
    const now = this.clock.now();

    const inserted = await tx.policyDecision.createMany({
      data: [
        {
          intentId,
          intentHash: hash,
          decision: classification.decision,
          policyVersion: policy.version,
          ruleIds: classification.ruleIds,
          reasons: classification.reasons,
          ...(classification.review ? { review: classification.review } : {}),
          ...(classification.grant ? { grantTerms: classification.grant } : {}),
        },
      ],
      skipDuplicates: true,
    });
    // Another submitted event for an intent already decided: intake guarantees one per intent, so
    // this is a replayed or forged duplicate; the first decision stands and nothing new is said.
    if (inserted.count === 0) return [];

    let review: { id: string; reviewRequestedEventId: string; expiresAt: Date } | undefined;
    if (classification.decision === 'review' && classification.review) {
      review = {
        id: this.ids.next(),
        reviewRequestedEventId: this.ids.next(),
        expiresAt: new Date(now.getTime() + classification.review.ttlSeconds * 1000),
      };
      await tx.review.create({
        data: {
          id: review.id,
          intentId,
          state: 'pending',
          requirement: classification.review,
          expiresAt: review.expiresAt,
        },
      });
    }
    return buildOutgoingEvents({
      submitted,
      intentId,
      intentHash: hash,
      policyVersion: policy.version,
      classification,
      now,
      classifiedEventId: this.ids.next(),
      ...(review ? { review } : {}),
    });
  }
}
