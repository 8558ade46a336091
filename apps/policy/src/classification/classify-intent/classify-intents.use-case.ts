import { Inject, Injectable, Logger } from '@nestjs/common';
import { IntentSubmittedV1, type CountersignEvent } from '@countersign/contracts';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import type pg from 'pg';
import { PG_POOL } from '@countersign/platform/nest';
import { MaskTokens } from '../../masking/mask-tokens.js';
import { PolicyStore } from '../../policy-loading/policy-store.js';
import { readStoredOutgoing, recordClassifications, type RecordedEvent } from './record-classifications.js';
import { reviewStore } from '../../reviewing/review-store.js';
import { planClassifications, requesterKey, type SubmittedEvent } from './plan-classifications.js';

export const POLICY_CONSUMER = 'policy';

export interface ClassifyIntentsResult {
  /** Everything published for this batch: new events for fresh submissions, stored ones for redeliveries. */
  outgoing: CountersignEvent[];
  duplicates: string[];
}

export const isSubmitted = (e: CountersignEvent): e is SubmittedEvent => e.type === IntentSubmittedV1.type;

/**
 * intent.submitted × N → decision (+ review) rows → intent.classified (+ review.requested) per intent.
 * Planned in memory, then written in ONE autocommit statement (markers, decisions, reviews and the
 * outgoing events together); a redelivery finds the markers and republishes the stored events with
 * their original ids, which JetStream then deduplicates. One round trip per batch, two only when a
 * concurrent twin committed a marker the statement could not see.
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
    private readonly maskTokens: MaskTokens,
  ) {}

  async execute(events: readonly SubmittedEvent[]): Promise<ClassifyIntentsResult> {
    if (events.length === 0) return { outgoing: [], duplicates: [] };
    // Postgres prints uuids in lower case; the contracts accept either, so compare on one form.
    const firsts = events.filter((e, i) => events.findIndex((o) => o.id.toLowerCase() === e.id.toLowerCase()) === i);
    const policy = this.store.current();
    // Planned for every event, fresh or not: the statement alone knows which are, and an unused plan costs only ids.
    const now = this.clock.now();
    const pendingReviews = await this.pendingReviewsFor(firsts);
    const plan = planClassifications(firsts, { policy, now, ids: this.ids, tokenize: this.maskTokens.tokenize, pendingReviews });
    const input = {
      consumer: POLICY_CONSUMER,
      now,
      policyVersion: policy.version,
      events: firsts.map((e) => ({ eventId: e.id.toLowerCase(), intentId: e.intentId })),
      planned: plan.planned,
    };
    const recorded = await retryOnDeadlock(() => recordClassifications(this.pool, input));
    const missing = input.events.map((e) => e.eventId).filter((id) => !recorded.has(id));
    if (missing.length > 0) {
      for (const [id, outgoing] of await readStoredOutgoing(this.pool, missing)) recorded.set(id, { fresh: false, outgoing });
    }
    for (const eventId of plan.withoutIntentId) {
      // Retrying cannot help and a failure would hold back the rest of the batch; say so loudly instead.
      if (recorded.get(eventId.toLowerCase())?.fresh) this.log.error(`intent.submitted ${eventId} carries no intentId; not classified`);
    }
    const result = assemble(events, recorded);
    // After commit: a crash here leaves the events stored for the redelivery to publish.
    await this.publisher.publishAll(result.outgoing);
    return result;
  }

  /** Reviews still pending for any intent of the batch, so that an identical intent joins instead of opening one. */
  private async pendingReviewsFor(events: readonly SubmittedEvent[]): Promise<Map<string, string>> {
    const keys = events.map((e) => ({ intentHash: e.data.intentHash, requesterKey: requesterKey(e.data.intent.requester) }));
    const found = await reviewStore.pendingByKey(this.pool, keys);
    return new Map(found.map((r) => [`${r.intentHash}|${r.requesterKey}`, r.id]));
  }
}

/** Input order; an id repeated within the batch contributes its events once and counts as a duplicate. */
function assemble(events: readonly SubmittedEvent[], recorded: ReadonlyMap<string, RecordedEvent>): ClassifyIntentsResult {
  const outgoing: CountersignEvent[] = [];
  const duplicates: string[] = [];
  const emitted = new Set<string>();
  for (const e of events) {
    const id = e.id.toLowerCase();
    const r = recorded.get(id);
    // The marker is neither written nor readable: something is wrong; the transport retries the batch.
    if (!r) throw new Error(`intent.submitted ${e.id}: processed marker not found after writing it`);
    if (emitted.has(id) || !r.fresh) {
      if (!duplicates.includes(e.id)) duplicates.push(e.id);
    }
    if (emitted.has(id)) continue;
    emitted.add(id);
    outgoing.push(...r.outgoing);
  }
  return { outgoing, duplicates };
}

/** Deadlock / serialization failure: Postgres rolled the statement back, so running it again is safe. */
async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      if (attempt < attempts && (code === '40P01' || code === '40001')) continue;
      throw error;
    }
  }
}
