import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { CountersignEvent } from '@countersign/contracts';
import { dueTimers, nextTimerAt } from '@countersign/domain';
import { inTransaction, PgOutbox } from '@countersign/platform/db';
import { PG_POOL } from '@countersign/platform/nest';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { ReviewEvents } from '../review-events.js';
import { reviewStore } from '../review-store.js';

/** Reviews handled per transaction; the rest wait for the next run, a moment later. */
const BATCH = 50;

/**
 * Reminders, escalation steps and expiry for pending reviews whose next timer is due. Locked with SKIP
 * LOCKED, so several policy copies share the work and a vote on a review waits for (or wins against)
 * its expiry instead of racing it: whichever takes the row lock first decides.
 */
@Injectable()
export class RunReviewTimers {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PgOutbox) private readonly outbox: PgOutbox,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
  ) {}

  /** Returns the events it published (reminders, escalations, expiries). */
  async execute(): Promise<CountersignEvent[]> {
    const now = this.clock.now();
    const events = new ReviewEvents(this.ids, now);
    const outgoing: CountersignEvent[] = [];
    await inTransaction(this.pool, async (client) => {
      for (const review of await reviewStore.lockDue(client, now, BATCH)) {
        const due = dueTimers(review.snapshot, now);
        if (due.expire) {
          outgoing.push(...(review.kind === 'post_hoc' ? [events.concluded(review, 'expired', review.snapshot.votes)] : events.expired(review)));
          await reviewStore.update(client, review.snapshot.id, { state: 'expired', decidedAt: now, outcomeReason: 'expired', nextTimerAt: null });
          continue;
        }
        for (const step of due.escalate) outgoing.push(events.escalated(review, step));
        if (due.remind) outgoing.push(events.expiring(review));
        const escalatedSteps = review.snapshot.escalatedSteps + due.escalate.length;
        const reminded = review.snapshot.reminded || due.remind;
        await reviewStore.update(client, review.snapshot.id, {
          escalatedSteps,
          reminded,
          nextTimerAt: nextTimerAt({ ...review.snapshot, escalatedSteps, reminded }),
        });
      }
      await this.outbox.write(client, outgoing);
    });
    await this.outbox.publish(this.pool, outgoing);
    return outgoing;
  }
}
