import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  createEvent,
  ReviewNotifiedV1,
  type CountersignEvent,
  type EventOf,
  type ReviewRequestedV1,
} from '@countersign/contracts';
import { processOnce, type Prisma, type PrismaClient } from '@countersign/platform/db';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { REVIEW_CHANNELS, type ReviewChannel } from '../../channels/review-channel.js';
import { PRISMA } from '../../database/prisma.provider.js';
import { DeliveryWorker } from '../../delivery/delivery-worker.js';

export const NOTIFIER_CONSUMER = 'notifier';
export const CONSOLE_CHANNEL = 'console';

export class MissingIntentIdError extends Error {
  readonly code = 'INTENT_ID_MISSING';
  constructor(eventId: string) {
    super(`review.requested ${eventId} carries no intentId`);
    this.name = 'MissingIntentIdError';
  }
}

export interface NotifyReviewersResult {
  duplicate: boolean;
  outgoing: CountersignEvent[];
}

/** 128 random bits, URL-safe: what a Slack button carries next to the review id. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * review.requested → the review stored, one delivery row per enabled channel → review.notified.
 * Internal channels (the console) are delivered inside the transaction. External ones (Slack) are only
 * recorded as pending here: a chat post cannot be rolled back, so it happens after commit, in the
 * delivery worker, which retries it with backoff while the other channels are long done.
 */
@Injectable()
export class NotifyReviewers {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    @Inject(REVIEW_CHANNELS) private readonly channels: ReviewChannel[],
    private readonly worker: DeliveryWorker,
  ) {}

  async execute(requested: EventOf<typeof ReviewRequestedV1>): Promise<NotifyReviewersResult> {
    const intentId = requested.intentId;
    if (intentId === null) throw new MissingIntentIdError(requested.id);
    const result = await processOnce(
      this.prisma,
      { schema: 'notifier', consumer: NOTIFIER_CONSUMER, eventId: requested.id },
      (tx) => this.record(tx, requested, intentId),
    );
    await this.publisher.publishAll(result.outgoing);
    // Also on a duplicate: a redelivery is a good moment to retry a post that has not gone out yet.
    if (this.channels.some((c) => c.external)) this.worker.kick();
    return result;
  }

  private async record(
    tx: Prisma.TransactionClient,
    requested: EventOf<typeof ReviewRequestedV1>,
    intentId: string,
  ): Promise<CountersignEvent[]> {
    const { reviewId } = requested.data;
    const now = this.clock.now();
    await tx.notifierReview.createMany({
      data: [{ reviewId, intentId, requestedEventId: requested.id, review: requested.data }],
      skipDuplicates: true,
    });
    const outgoing: CountersignEvent[] = [];
    for (const channel of this.channels) {
      const deliveryId = this.ids.next();
      const notifiedEventId = this.ids.next();
      const row = channel.external
        ? { status: 'pending', nonce: newNonce(), nextAttemptAt: now }
        : { status: 'delivered', deliveredAt: now, notifiedAt: now };
      // unique(review_id, channel): a second review.requested for the same review notifies nobody twice.
      const inserted = await tx.delivery.createMany({
        data: [{ id: deliveryId, reviewId, intentId, channel: channel.name, notifiedEventId, ...row }],
        skipDuplicates: true,
      });
      if (inserted.count === 0 || channel.external) continue;
      outgoing.push(
        createEvent(ReviewNotifiedV1, {
          id: notifiedEventId,
          occurredAt: now,
          intentId,
          actor: { kind: 'service', id: 'notifier' },
          causationId: requested.id,
          data: { reviewId, channel: channel.name, deliveryId },
        }),
      );
    }
    return outgoing;
  }
}
