import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createEvent, ReviewNotifiedV1 } from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock } from '@countersign/platform/runtime';
import { PermanentDeliveryError, REVIEW_CHANNELS, type ChannelReview, type ReviewChannel } from '../channels/review-channel.js';
import { errorSummary } from '../errors-summary.js';
import { LOGGER, NOTIFIER_SETTINGS } from '../tokens.js';
import { backoffMs } from './backoff.js';
import { DeliveryStore, type ClaimedDelivery, type ReviewState } from './delivery-store.js';
import { NoticeSender } from './notice-sender.js';

export interface DeliverySettings {
  intervalMs: number;
  baseMs: number;
  maxMs: number;
  /** How long a claimed delivery is held before another worker may retry it (covers a crash mid-call). */
  leaseMs: number;
  batchSize: number;
}

/**
 * Moves deliveries on: posts pending ones, announces them (review.notified), re-renders messages whose
 * review changed (votes, outcome), then sends due notices (reminders, escalations). Runs on a timer and
 * when kicked; each delivery fails and backs off on its own, so a channel that is down delays only its
 * own rows.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly byName: ReadonlyMap<string, ReviewChannel>;

  constructor(
    private readonly store: DeliveryStore,
    private readonly notices: NoticeSender,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    @Inject(REVIEW_CHANNELS) channels: ReviewChannel[],
    @Inject(NOTIFIER_SETTINGS) private readonly settings: DeliverySettings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.byName = new Map(channels.map((c) => [c.name, c]));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.settings.intervalMs);
    this.timer.unref();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass now, or right after the one under way (a kick never waits and never overlaps a pass). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.passes().finally(() => (this.running = undefined));
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      try {
        // A full batch means more may be due: go on without waiting for the timer.
        while ((await this.runOnce()) === this.settings.batchSize && !this.stopped);
      } catch (err) {
        this.logger.warn({ error: errorSummary(err) }, 'delivery pass failed');
      }
    } while (this.again && !this.stopped);
  }

  /** Claims the due deliveries, then the due notices, and works through them; returns the larger count. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.settings.leaseMs);
    const claimed = await this.store.claimDue(now, leaseUntil, this.settings.batchSize);
    await Promise.all(claimed.map((d) => this.advance(d)));
    // After the posts: a notice waits for its review's message, which may have just gone out.
    const notices = await this.notices.runOnce(this.clock.now(), new Date(this.clock.now().getTime() + this.settings.leaseMs));
    return Math.max(claimed.length, notices);
  }

  private async advance(d: ClaimedDelivery): Promise<void> {
    const channel = this.byName.get(d.channel);
    try {
      if (!channel) throw new Error(`channel ${d.channel} is not enabled in this process`);
      const state = await this.store.reviewState(d.reviewId);
      if (!state) throw new Error(`review ${d.reviewId} is not stored`);
      await this.step(d, channel, state);
      await this.store.finish(d.id, this.clock.now());
    } catch (err) {
      if (err instanceof PermanentDeliveryError) {
        this.logger.warn({ deliveryId: d.id, reviewId: d.reviewId, channel: d.channel, error: errorSummary(err) }, 'channel refused the delivery for good');
        await this.store.markRefused(d.id, errorSummary(err));
        return;
      }
      const delay = backoffMs(d.attempts, this.settings);
      this.logger.warn({ deliveryId: d.id, reviewId: d.reviewId, channel: d.channel, attempts: d.attempts, retryInMs: delay, error: errorSummary(err) }, 'delivery attempt failed');
      await this.store.fail(d.id, errorSummary(err), new Date(this.clock.now().getTime() + delay));
    }
  }

  private async step(d: ClaimedDelivery, channel: ReviewChannel, state: ReviewState): Promise<void> {
    if (d.status === 'skipped' || d.status === 'failed') return;
    const view = channelReview(d, state);
    let { status, externalRef, shownVersion, deliveredAt } = d;
    if (status === 'pending') {
      // Decided before it could be posted: a message with live buttons would only mislead.
      if (state.outcome) return this.store.markSkipped(d.id);
      externalRef = await channel.post(view);
      deliveredAt = this.clock.now();
      await this.store.markPosted(d.id, externalRef, d.version, deliveredAt);
      this.logger.info({ deliveryId: d.id, reviewId: d.reviewId, channel: d.channel, ref: externalRef }, 'review posted');
      status = 'delivered';
      shownVersion = d.version;
    }
    if (d.notifiedAt === null && d.notifiedEventId) {
      await this.publisher.publish(
        createEvent(ReviewNotifiedV1, {
          id: d.notifiedEventId,
          occurredAt: deliveredAt ?? this.clock.now(),
          intentId: d.intentId,
          actor: { kind: 'service', id: 'notifier' },
          causationId: state.requestedEventId,
          data: { reviewId: d.reviewId, channel: d.channel, deliveryId: d.id },
        }),
      );
      await this.store.markNotified(d.id, this.clock.now());
    }
    if (status === 'delivered' && shownVersion < d.version) {
      // Where nothing was posted (the console) there is nothing to update; the version still counts as shown.
      if (externalRef !== null) await this.render(channel, externalRef, view, state);
      await this.store.markShown(d.id, d.version);
    }
  }

  private async render(channel: ReviewChannel, ref: string, view: ChannelReview, state: ReviewState): Promise<void> {
    const outcome = state.outcome;
    if (!outcome) return channel.showProgress(ref, view);
    const rejecters = state.votes.filter((v) => v.decision === 'reject').map((v) => v.subject);
    await channel.showOutcome(ref, {
      review: view,
      kind: outcome.kind,
      eventId: outcome.eventId,
      decidedBy: outcome.kind === 'approved' ? outcome.approvers : outcome.kind === 'rejected' ? rejecters : [],
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    });
  }
}

function channelReview(d: ClaimedDelivery, s: ReviewState): ChannelReview {
  return {
    reviewId: d.reviewId,
    intentId: d.intentId,
    deliveryId: d.id,
    nonce: d.nonce,
    review: s.review,
    votes: s.votes,
    approvals: s.approvals,
    quorum: s.quorum,
  };
}
