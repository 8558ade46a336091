import type { CountersignEvent } from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import { RetryLaterError, type EventPublisher } from '@countersign/platform/nats';
import type { Clock, IdGenerator } from '@countersign/platform/runtime';
import type pg from 'pg';
import type { GrantEvents } from '../grant-events.js';
import type { JtiSource } from '../jti-source.js';
import { storedOutgoing, writeBatch, type PlannedGrant } from './grant-batch-sql.js';
import { planIntentBatch, type IntentBatchPlan } from './plan-intent-batch.js';

export const BROKER_CONSUMER = 'broker';
/** How long to wait for intent.submitted when an allowing event overtook it. */
export const SUBMITTED_NOT_YET_SEEN_DELAY_MS = 1_000;

/**
 * A batch of intent events → intents recorded, one grant per allowed intent, grant.issued published.
 *
 * Everything is written by ONE autocommit statement (see writeBatch): the processed markers, intents,
 * grants and the outgoing events stored with the markers commit together; publishing after commit
 * means a redelivery republishes the stored events, never re-issues. An allowing event whose intent is
 * neither in the batch nor recorded is left unmarked by the statement and retried later on its own: the
 * rest of the batch is committed and published first, and the transport acks it. Round trips per
 * batch: one, plus (rarely) one read of markers a concurrent twin committed after the snapshot.
 */
export class IssueGrants {
  constructor(
    private readonly pool: pg.Pool,
    private readonly events: GrantEvents,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly jtis: JtiSource,
    private readonly logger: Logger,
  ) {}

  async execute(batch: readonly CountersignEvent[]): Promise<void> {
    const plan = planIntentBatch(batch);
    for (const i of plan.ignored) this.logger[i.level]({ eventId: i.eventId, intentId: i.intentId, reason: i.reason }, 'no grant');
    if (batch.length === 0) return;

    const { outgoing, early, mismatched, closed } = await this.write(batch, plan);
    for (const c of plan.commands) {
      if (closed.has(c.eventId.toLowerCase())) {
        this.logger.warn({ eventId: c.eventId, intentId: c.intentId }, 'allowing event for an intent already rejected, expired, withdrawn or denied; no grant');
      } else if (mismatched.has(c.eventId.toLowerCase())) {
        this.logger.error({ eventId: c.eventId, intentId: c.intentId }, 'allowing event names another intent hash than the submitted intent; no grant');
      }
    }
    await this.publisher.publishAll(outgoing);
    if (early.size > 0) {
      // Naming them lets the transport ack the rest of the batch (committed above) and redeliver only these.
      const ids = batch.filter((e) => early.has(e.id.toLowerCase())).map((e) => e.id);
      throw new RetryLaterError(`${early.size} allowing event(s) ahead of their intent.submitted`, SUBMITTED_NOT_YET_SEEN_DELAY_MS, [...new Set(ids)]);
    }
  }

  /** Writes the batch; returns the events to publish in stream order (each event id's once) and the early ones. */
  private async write(
    events: readonly CountersignEvent[],
    { records, commands, closures }: Pick<IntentBatchPlan, 'records' | 'commands' | 'closures'>,
  ): Promise<{ outgoing: CountersignEvent[]; early: Set<string>; mismatched: Set<string>; closed: Set<string> }> {
    // Postgres prints uuids in lower case; the contracts accept either, so compare on one form.
    const norm = (id: string) => id.toLowerCase();
    const eventIds = [...new Set(events.map((e) => norm(e.id)))];
    const now = this.clock.now().getTime();
    // Every command gets a planned grant; the statement keeps the first per intent among unprocessed events.
    const grants: PlannedGrant[] = commands.map((c) => {
      const g = {
        eventId: norm(c.eventId),
        position: c.position,
        id: this.ids.next(),
        jti: this.jtis.next(),
        intentId: c.intentId,
        intentHash: c.intentHash,
        audience: c.terms.audience,
        claimBy: new Date(now + c.terms.claimTtlSeconds * 1000),
        useTtlSeconds: c.terms.useTtlSeconds,
      };
      return { ...g, issued: this.events.issued(g, c.eventId) };
    });
    const input = {
      consumer: BROKER_CONSUMER,
      eventIds,
      records: records.map((r) => ({ ...r, eventId: norm(r.eventId) })),
      grants,
      closures: closures.map((c) => ({ ...c, eventId: norm(c.eventId) })),
    };
    const { outgoing: written, early, mismatched, closed } = await retryOnDeadlock(() => writeBatch(this.pool, input));
    const ready = eventIds.filter((id) => !early.has(id));
    const missing = ready.filter((id) => !written.has(id));
    const stored = missing.length > 0 ? await storedOutgoing(this.pool, missing) : new Map<string, CountersignEvent[]>();
    return { outgoing: ready.flatMap((id) => written.get(id) ?? stored.get(id) ?? []), early, mismatched, closed };
  }
}

/** Deadlock / serialization failure: Postgres rolled the statement back, so running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

async function retryOnDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      if (attempt < ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue;
      throw error;
    }
  }
}
