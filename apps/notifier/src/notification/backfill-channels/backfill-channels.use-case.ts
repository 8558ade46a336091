import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import type { PrismaClient } from '@countersign/platform/db';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { REVIEW_CHANNELS, type ReviewChannel } from '../../channels/review-channel.js';
import { PRISMA } from '../../database/prisma.provider.js';
import { DeliveryWorker } from '../../delivery/delivery-worker.js';
import { LOGGER } from '../../tokens.js';
import { newNonce } from '../notify-reviewers/notify-reviewers.use-case.js';

/** More pending reviews than this at one start is a backlog to look at, not to flood a chat with. */
export const BACKFILL_LIMIT = 1_000;

/**
 * At start, reviews still open get a delivery on every external channel they have none on: a channel
 * switched on (or a new Slack workspace configured) while reviews wait would otherwise never show them,
 * and the reviewers there would see only what arrives after the restart. Decided and expired reviews
 * are left alone; the delivery worker posts the new rows like any others (and skips one whose review is
 * decided meanwhile).
 */
@Injectable()
export class BackfillChannels implements OnApplicationBootstrap {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REVIEW_CHANNELS) private readonly channels: ReviewChannel[],
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly worker: DeliveryWorker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const added = await this.execute();
    if (added > 0) this.worker.kick();
  }

  /** Returns how many deliveries it added. */
  async execute(): Promise<number> {
    const now = this.clock.now();
    let added = 0;
    for (const channel of this.channels.filter((c) => c.external)) {
      const open = await this.prisma.$queryRaw<Array<{ review_id: string; intent_id: string }>>`
        SELECT r.review_id, r.intent_id FROM notifier.reviews r
        WHERE r.outcome IS NULL
          AND (r.review->>'expiresAt')::timestamptz > ${now}
          AND NOT EXISTS (SELECT 1 FROM notifier.deliveries d WHERE d.review_id = r.review_id AND d.channel = ${channel.name})
        ORDER BY r.created_at
        LIMIT ${BACKFILL_LIMIT + 1}`;
      if (open.length > BACKFILL_LIMIT) {
        this.logger.warn({ channel: channel.name, limit: BACKFILL_LIMIT }, 'more open reviews than the backfill limit lack this channel: only the oldest are posted');
      }
      const rows = open.slice(0, BACKFILL_LIMIT).map((r) => ({
        id: this.ids.next(),
        reviewId: r.review_id,
        intentId: r.intent_id,
        channel: channel.name,
        status: 'pending',
        nonce: newNonce(),
        nextAttemptAt: now,
        notifiedEventId: this.ids.next(),
      }));
      if (rows.length === 0) continue;
      // unique(review_id, channel): a second notifier starting at the same moment adds nothing twice.
      const { count } = await this.prisma.delivery.createMany({ data: rows, skipDuplicates: true });
      added += count;
      this.logger.info({ channel: channel.name, reviews: count }, 'open reviews queued for a channel they had not reached');
    }
    return added;
  }
}
