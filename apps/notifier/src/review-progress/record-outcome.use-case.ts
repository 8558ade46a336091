import { Inject, Injectable } from '@nestjs/common';
import type { EventOf, IntentApprovedV1, IntentExpiredV1, IntentRejectedV1, ReviewConcludedV1 } from '@countersign/contracts';
import type { PrismaClient } from '@countersign/platform/db';
import { Clock } from '@countersign/platform/runtime';
import { PRISMA } from '../database/prisma.provider.js';
import { markChanged } from '../delivery/delivery-store.js';
import { DeliveryWorker } from '../delivery/delivery-worker.js';
import type { StoredOutcome } from '../delivery/stored-outcome.js';

export type OutcomeEvent =
  | EventOf<typeof IntentApprovedV1>
  | EventOf<typeof IntentRejectedV1>
  | EventOf<typeof IntentExpiredV1>
  /** The end of a post-hoc review (break-glass): shown like any outcome, decides nothing about the intent. */
  | EventOf<typeof ReviewConcludedV1>;

const KIND = { 'intent.approved': 'approved', 'intent.rejected': 'rejected', 'intent.expired': 'expired' } as const;

/**
 * intent.approved / rejected / expired → the review's outcome stored once, and its messages marked for
 * re-rendering (the worker replaces the buttons with the outcome; a post not yet made is skipped).
 */
@Injectable()
export class RecordOutcome {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly worker: DeliveryWorker,
  ) {}

  async execute(event: OutcomeEvent): Promise<boolean> {
    const outcome: StoredOutcome = {
      kind: event.type === 'review.concluded' ? event.data.outcome : KIND[event.type],
      approvers: event.type === 'intent.approved' || event.type === 'review.concluded' ? event.data.approvers : [],
      ...(event.data.reason !== undefined ? { reason: event.data.reason } : {}),
      eventId: event.id,
    };
    const changed = await this.prisma.$transaction(async (tx) => {
      // First outcome wins: a redelivery (or a late duplicate) changes nothing.
      const updated = await tx.$executeRaw`UPDATE notifier.reviews SET outcome = ${JSON.stringify(outcome)}::jsonb
        WHERE review_id = ${event.data.reviewId}::uuid AND outcome IS NULL`;
      if (updated > 0) await markChanged(tx, event.data.reviewId, this.clock.now());
      return updated > 0;
    });
    if (changed) this.worker.kick();
    return changed;
  }
}
