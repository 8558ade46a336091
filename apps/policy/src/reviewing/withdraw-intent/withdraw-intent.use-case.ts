import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { CountersignEvent, EventOf, IntentWithdrawnV1 } from '@countersign/contracts';
import { inTransaction, PgOutbox } from '@countersign/platform/db';
import { RetryLaterError } from '@countersign/platform/nats';
import { PG_POOL } from '@countersign/platform/nest';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { ReviewEvents } from '../review-events.js';
import { reviewStore } from '../review-store.js';

type Withdrawn = EventOf<typeof IntentWithdrawnV1>;

export type WithdrawalEffect = 'closed' | 'detached' | 'nothing-pending' | 'not-classified';

/**
 * The requester withdrew an intent: its review stops asking. A review open only for this intent is
 * closed (`withdrawn`, a `review.concluded` tells the channels, votes are refused REVIEW_DECIDED); a
 * review shared with identical intents of the same requester lets this one go and stays open for the
 * rest. A review decided first is left as it is: the stream ordered that decision before the
 * withdrawal, and every consumer applies the first. Runs under the review's row lock, like votes and
 * timers, so it is serialised with them.
 */
@Injectable()
export class WithdrawIntentReview {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PgOutbox) private readonly outbox: PgOutbox,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
  ) {}

  async execute(event: Withdrawn): Promise<WithdrawalEffect> {
    const intentId = event.intentId;
    if (intentId === null) return 'nothing-pending';
    const outgoing: CountersignEvent[] = [];
    const effect = await inTransaction(this.pool, async (client): Promise<WithdrawalEffect> => {
      const decided = await client.query('SELECT 1 FROM policy.decisions WHERE intent_id = $1', [intentId]);
      if (decided.rowCount === 0) return 'not-classified';
      const link = await client.query<{ review_id: string }>('SELECT review_id FROM policy.review_intents WHERE intent_id = $1', [intentId]);
      const reviewId = link.rows[0]?.review_id;
      if (!reviewId) return 'nothing-pending';
      const review = await reviewStore.lock(client, reviewId);
      if (!review || review.snapshot.state !== 'pending') return 'nothing-pending';
      if (review.intentIds.length > 1) {
        await client.query('DELETE FROM policy.review_intents WHERE intent_id = $1', [intentId]);
        return 'detached';
      }
      const now = this.clock.now();
      const reason = `withdrawn by ${event.actor.id}${event.data.reason ? `: ${event.data.reason}` : ''}`;
      outgoing.push(new ReviewEvents(this.ids, now, event.id).concluded(review, 'withdrawn', review.snapshot.votes, reason));
      await reviewStore.update(client, reviewId, { state: 'withdrawn', decidedAt: now, outcomeReason: 'withdrawn', nextTimerAt: null });
      await this.outbox.write(client, outgoing);
      return 'closed';
    });
    // Classification runs in the same consumer; in a batch it may come after this handler.
    if (effect === 'not-classified') throw new RetryLaterError(`intent ${intentId} is not classified yet`, 500, [event.id]);
    await this.outbox.publish(this.pool, outgoing);
    return effect;
  }
}
