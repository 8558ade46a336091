import type { CountersignEvent } from '@countersign/contracts';
import { processOnceBatch } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { RetryLaterError, type EventPublisher } from '@countersign/platform/nats';
import type { Clock, IdGenerator } from '@countersign/platform/runtime';
import type pg from 'pg';
import type { GrantEvents } from '../grant-events.js';
import type { IntentRecord } from '../grant-store.js';
import type { JtiSource } from '../jti-source.js';
import { findIntentHashes, insertGrants, insertIntents } from './grant-batch-sql.js';
import type { IssueGrantCommand } from './issue-grant.command.js';
import { firstPerKey, planIntentBatch } from './plan-intent-batch.js';

export const BROKER_CONSUMER = 'broker';
/** How long to wait for intent.submitted when an allowing event overtook it. */
export const SUBMITTED_NOT_YET_SEEN_DELAY_MS = 1_000;

/**
 * A batch of intent events → intents recorded, one grant per allowed intent, grant.issued published.
 *
 * Everything commits in one transaction with the processed markers and the outgoing events; publishing
 * after commit means a redelivery republishes the stored events, never re-issues. An allowing event
 * whose intent is not recorded yet is left out of the transaction and retried later on its own: the
 * rest of the batch is committed and published first, and the transport acks it.
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

    const early = await this.overtaking(plan.commands, plan.records.map((r) => r.record));
    const ready = early.size === 0 ? batch : batch.filter((e) => !early.has(e.id));
    if (ready.length > 0) {
      const { outgoing } = await processOnceBatch(this.pool, { schema: 'broker', consumer: BROKER_CONSUMER }, ready, (client, fresh) => {
        const freshIds = new Set(fresh.map((e) => e.id));
        return this.issue(
          client,
          fresh,
          plan.records.filter((r) => freshIds.has(r.eventId)).map((r) => r.record),
          plan.commands.filter((c) => freshIds.has(c.eventId)),
        );
      });
      await this.publisher.publishAll(outgoing);
    }
    if (early.size > 0) {
      // Naming them lets the transport ack the rest of the batch (committed above) and redeliver only these.
      throw new RetryLaterError(`${early.size} allowing event(s) ahead of their intent.submitted`, SUBMITTED_NOT_YET_SEEN_DELAY_MS, [...early]);
    }
  }

  /**
   * Allowing events whose intent is neither in this batch nor recorded. Read outside the transaction:
   * a recorded intent never changes or goes away, so what is found here still holds at commit.
   */
  private async overtaking(commands: readonly IssueGrantCommand[], records: readonly IntentRecord[]): Promise<Set<string>> {
    const inBatch = new Map(records.map((r) => [r.intentId, r.intentHash]));
    const elsewhere = [...new Set(commands.map((c) => c.intentId).filter((id) => !inBatch.has(id)))];
    const recorded = await findIntentHashes(this.pool, elsewhere);
    const early = new Set<string>();
    for (const c of commands) {
      const hash = inBatch.get(c.intentId) ?? recorded.get(c.intentId);
      if (hash === undefined) early.add(c.eventId);
      else if (hash !== c.intentHash) {
        // The grant insert joins on the hash and so skips it; this only says why.
        this.logger.error({ eventId: c.eventId, intentId: c.intentId }, 'allowing event names another intent hash than the submitted intent; no grant');
      }
    }
    return early;
  }

  private async issue(
    client: pg.PoolClient,
    fresh: readonly CountersignEvent[],
    records: readonly IntentRecord[],
    commands: readonly IssueGrantCommand[],
  ): Promise<Map<string, CountersignEvent[]>> {
    await insertIntents(client, firstPerKey(records, (r) => r.intentId));
    const now = this.clock.now().getTime();
    const grants = firstPerKey(commands, (c) => c.intentId).map((c) => ({
      eventId: c.eventId,
      id: this.ids.next(),
      jti: this.jtis.next(),
      intentId: c.intentId,
      intentHash: c.intentHash,
      audience: c.terms.audience,
      claimBy: new Date(now + c.terms.claimTtlSeconds * 1000),
      useTtlSeconds: c.terms.useTtlSeconds,
    }));
    // A grant is inserted only for an intent recorded with the same hash and no grant yet.
    const inserted = await insertGrants(client, grants);
    const outgoing = new Map<string, CountersignEvent[]>(fresh.map((e) => [e.id, []]));
    for (const g of grants) if (inserted.has(g.id)) outgoing.set(g.eventId, [this.events.issued(g, g.eventId)]);
    return outgoing;
  }
}
