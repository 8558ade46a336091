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
import { PRISMA } from '../../database/prisma.provider.js';

export const NOTIFIER_CONSUMER = 'notifier';

/**
 * The only channel today: the review waits in the console and the API, which list pending reviews.
 * Slack, Teams and webhooks are a later issue; they will post outside the transaction and record the
 * message reference afterwards, since a chat API call cannot be rolled back.
 */
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

/** review.requested → one delivery per channel → review.notified, exactly once per review event. */
@Injectable()
export class NotifyReviewers {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async execute(requested: EventOf<typeof ReviewRequestedV1>): Promise<NotifyReviewersResult> {
    const intentId = requested.intentId;
    if (intentId === null) throw new MissingIntentIdError(requested.id);
    const result = await processOnce(
      this.prisma,
      { schema: 'notifier', consumer: NOTIFIER_CONSUMER, eventId: requested.id },
      (tx) => this.deliver(tx, requested, intentId),
    );
    await this.publisher.publishAll(result.outgoing);
    return result;
  }

  private async deliver(
    tx: Prisma.TransactionClient,
    requested: EventOf<typeof ReviewRequestedV1>,
    intentId: string,
  ): Promise<CountersignEvent[]> {
    const deliveryId = this.ids.next();
    const { reviewId } = requested.data;
    // unique(review_id, channel): a second review.requested for the same review notifies nobody twice.
    const inserted = await tx.delivery.createMany({
      data: [{ id: deliveryId, reviewId, intentId, channel: CONSOLE_CHANNEL, status: 'delivered' }],
      skipDuplicates: true,
    });
    if (inserted.count === 0) return [];
    return [
      createEvent(ReviewNotifiedV1, {
        id: this.ids.next(),
        occurredAt: this.clock.now(),
        intentId,
        actor: { kind: 'service', id: 'notifier' },
        causationId: requested.id,
        data: { reviewId, channel: CONSOLE_CHANNEL, deliveryId },
      }),
    ];
  }
}
