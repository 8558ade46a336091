import { Inject, Injectable } from '@nestjs/common';
import type { EventOf, ReviewEscalatedV1, ReviewExpiringV1 } from '@countersign/contracts';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { REVIEW_CHANNELS, type NoticeDetails, type ReviewChannel } from '../channels/review-channel.js';
import { DeliveryWorker } from '../delivery/delivery-worker.js';
import { NoticeStore } from '../delivery/notice-store.js';

export type NoticeEvent = EventOf<typeof ReviewExpiringV1> | EventOf<typeof ReviewEscalatedV1>;

/**
 * review.expiring / review.escalated → one notice per channel the review went out on, recorded before
 * anything is sent; the delivery worker sends each (a threaded reply, a new Teams message, a webhook
 * event) and retries it with backoff like a post. The console lists expiry and groups by itself.
 */
@Injectable()
export class RecordNotice {
  private readonly external: string[];

  constructor(
    private readonly store: NoticeStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly worker: DeliveryWorker,
    @Inject(REVIEW_CHANNELS) channels: ReviewChannel[],
  ) {
    this.external = channels.filter((c) => c.external).map((c) => c.name);
  }

  async execute(event: NoticeEvent): Promise<number> {
    if (this.external.length === 0) return 0;
    const details: NoticeDetails =
      event.type === 'review.expiring'
        ? { kind: 'reminder', expiresAt: event.data.expiresAt }
        : { kind: 'escalated', afterSeconds: event.data.afterSeconds, groups: event.data.groups };
    const added = await this.store.record({ sourceEventId: event.id, reviewId: event.data.reviewId, details }, this.external, () => this.ids.next(), this.clock.now());
    if (added > 0) this.worker.kick();
    return added;
  }
}
