import { Inject, Injectable, Logger } from '@nestjs/common';
import { IntentSubmittedV1, type CountersignEvent } from '@countersign/contracts';
import { processOnceBatch } from '@countersign/platform/db';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import type pg from 'pg';
import { PG_POOL } from '@countersign/platform/nest';
import { PolicyStore } from '../../policy-loading/policy-store.js';
import { insertDecisions, insertReviews } from './decision-rows.js';
import { planClassifications, type SubmittedEvent } from './plan-classifications.js';

export const POLICY_CONSUMER = 'policy';

export interface ClassifyIntentsResult {
  /** Everything published for this batch: new events for fresh submissions, stored ones for redeliveries. */
  outgoing: CountersignEvent[];
  duplicates: string[];
}

export const isSubmitted = (e: CountersignEvent): e is SubmittedEvent => e.type === IntentSubmittedV1.type;

/**
 * intent.submitted × N → decision (+ review) rows → intent.classified (+ review.requested) per intent.
 * A whole batch commits in one transaction together with its processed markers and outgoing events;
 * a redelivery finds the markers and republishes the stored events with their original ids, which
 * JetStream then deduplicates.
 */
@Injectable()
export class ClassifyIntents {
  private readonly log = new Logger(ClassifyIntents.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly store: PolicyStore,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async execute(events: readonly SubmittedEvent[]): Promise<ClassifyIntentsResult> {
    if (events.length === 0) return { outgoing: [], duplicates: [] };
    const result = await processOnceBatch(this.pool, { schema: 'policy', consumer: POLICY_CONSUMER }, events, (client, fresh) =>
      this.decide(client, fresh.filter(isSubmitted)),
    );
    // After commit: a crash here leaves the events stored for the redelivery to publish.
    await this.publisher.publishAll(result.outgoing);
    return result;
  }

  private async decide(client: pg.PoolClient, fresh: readonly SubmittedEvent[]): Promise<Map<string, CountersignEvent[]>> {
    const policy = this.store.current();
    const plan = planClassifications(fresh, { policy, now: this.clock.now(), ids: this.ids });
    for (const eventId of plan.withoutIntentId) {
      // Retrying cannot help and a failure would hold back the rest of the batch; say so loudly instead.
      this.log.error(`intent.submitted ${eventId} carries no intentId; not classified`);
    }
    const inserted = await insertDecisions(
      client,
      policy.version,
      plan.planned.map((p) => p.decision),
    );
    // Another submitted event for an intent already decided: intake guarantees one per intent, so
    // this is a replayed or forged duplicate; the first decision stands and nothing new is said.
    const kept = plan.planned.filter((p) => inserted.has(p.intentId));
    await insertReviews(client, kept.flatMap((p) => (p.review ? [p.review] : [])));
    const outgoing = new Map<string, CountersignEvent[]>(fresh.map((e) => [e.id, []]));
    for (const p of kept) outgoing.set(p.eventId, p.outgoing);
    return outgoing;
  }
}
