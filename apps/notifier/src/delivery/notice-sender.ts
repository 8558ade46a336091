import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import { PermanentDeliveryError, REVIEW_CHANNELS, type ReviewChannel } from '../channels/review-channel.js';
import { errorSummary } from '../errors-summary.js';
import { LOGGER, NOTIFIER_SETTINGS } from '../tokens.js';
import { backoffMs } from './backoff.js';
import { DeliveryStore } from './delivery-store.js';
import type { DeliverySettings } from './delivery-worker.js';
import { NoticeStore, type ClaimedNotice } from './notice-store.js';

/**
 * Sends due reminder and escalation notices, each next to its review's message, with the same backoff
 * as deliveries. A notice about a review that was decided (or never went out) is skipped: the message
 * already shows the outcome.
 */
@Injectable()
export class NoticeSender {
  private readonly byName: ReadonlyMap<string, ReviewChannel>;

  constructor(
    private readonly notices: NoticeStore,
    private readonly deliveries: DeliveryStore,
    private readonly clock: Clock,
    @Inject(REVIEW_CHANNELS) channels: ReviewChannel[],
    @Inject(NOTIFIER_SETTINGS) private readonly settings: DeliverySettings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.byName = new Map(channels.map((c) => [c.name, c]));
  }

  /** Claims the due notices and sends them; returns how many it claimed. */
  async runOnce(now: Date, leaseUntil: Date): Promise<number> {
    const claimed = await this.notices.claimDue(now, leaseUntil, this.settings.batchSize);
    await Promise.all(claimed.map((n) => this.advance(n)));
    return claimed.length;
  }

  private async advance(n: ClaimedNotice): Promise<void> {
    const log = { noticeId: n.id, reviewId: n.reviewId, channel: n.channel, kind: n.details.kind, attempts: n.attempts };
    try {
      const channel = this.byName.get(n.channel);
      if (!channel) throw new Error(`channel ${n.channel} is not enabled in this process`);
      const state = await this.deliveries.reviewState(n.reviewId);
      if (!state) throw new Error(`review ${n.reviewId} is not stored`);
      if (n.deliveryStatus !== 'delivered' || n.externalRef === null || state.outcome) {
        await this.notices.end(n.id, 'skipped', this.clock.now());
        return;
      }
      const review = { reviewId: n.reviewId, intentId: n.intentId, deliveryId: n.deliveryId, nonce: n.nonce, review: state.review, votes: state.votes, approvals: state.approvals, quorum: state.quorum };
      await channel.notify(n.externalRef, { ...n.details, id: n.id, review });
      await this.notices.end(n.id, 'sent', this.clock.now());
      this.logger.info(log, 'notice sent');
    } catch (err) {
      if (err instanceof PermanentDeliveryError) {
        this.logger.warn({ ...log, error: errorSummary(err) }, 'channel refused the notice for good');
        await this.notices.end(n.id, 'failed', this.clock.now(), errorSummary(err));
        return;
      }
      const delay = backoffMs(n.attempts, this.settings);
      this.logger.warn({ ...log, retryInMs: delay, error: errorSummary(err) }, 'notice attempt failed');
      await this.notices.fail(n.id, errorSummary(err), new Date(this.clock.now().getTime() + delay));
    }
  }
}
