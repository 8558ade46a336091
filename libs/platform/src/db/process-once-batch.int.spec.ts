import { v7 as uuidv7 } from 'uuid';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentWithdrawnV1, type CountersignEvent } from '@countersign/contracts';
import { createTestDatabase, type TestDatabase } from '@countersign/testing';
import { applyMigrations, createPgPool, processOnceBatch } from './index.js';

function withdrawn(reason: string): CountersignEvent {
  return createEvent(IntentWithdrawnV1, {
    id: uuidv7(),
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    intentId: uuidv7(),
    actor: { kind: 'service', id: 'test' },
    data: { reason },
  });
}

/** Work that answers every fresh event with one event naming it, and records which ids it saw. */
function echoWork(seen: string[]) {
  return async (_client: pg.PoolClient, fresh: readonly CountersignEvent[]) => {
    seen.push(...fresh.map((e) => e.id));
    return new Map(fresh.map((e) => [e.id, [withdrawn(`answer to ${e.id}`)]]));
  };
}

const reasons = (events: CountersignEvent[]) => events.map((e) => (e.type === 'intent.withdrawn' ? e.data.reason : e.type));

describe('processOnceBatch', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('cs_once_batch');
    await applyMigrations(db.url);
    pool = createPgPool(db.url, { max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs work once per event id and returns stored outgoing for duplicates, in input order', async () => {
    const [a, b, c] = [withdrawn('a'), withdrawn('b'), withdrawn('c')];
    const seen: string[] = [];
    const key = { schema: 'policy' as const, consumer: 'test' };

    const first = await processOnceBatch(pool, key, [a!, b!], echoWork(seen));
    expect(first.duplicates).toEqual([]);
    expect(reasons(first.outgoing)).toEqual([`answer to ${a!.id}`, `answer to ${b!.id}`]);

    // b is new between two already-processed events; the same id twice in one batch runs once too.
    const second = await processOnceBatch(pool, key, [a!, c!, b!, c!], echoWork(seen));
    expect(seen).toEqual([a!.id, b!.id, c!.id]);
    expect(second.duplicates).toEqual([a!.id, b!.id, c!.id]);
    expect(reasons(second.outgoing)).toEqual([`answer to ${a!.id}`, `answer to ${c!.id}`, `answer to ${b!.id}`]);
    // Stored events come back exactly as produced (the republish after a crash must be byte-identical).
    expect(second.outgoing[0]).toEqual(first.outgoing[0]);
    expect(second.outgoing[2]).toEqual(first.outgoing[1]);
  });

  it('stores nothing for a fresh event without outgoing events and still marks it processed', async () => {
    const e = withdrawn('quiet');
    const key = { schema: 'notifier' as const, consumer: 'test' };
    let runs = 0;
    const none = async () => {
      runs++;
      return new Map<string, CountersignEvent[]>();
    };
    expect(await processOnceBatch(pool, key, [e], none)).toEqual({ outgoing: [], duplicates: [] });
    expect(await processOnceBatch(pool, key, [e], none)).toEqual({ outgoing: [], duplicates: [e.id] });
    expect(runs).toBe(1);
  });

  it('rolls back the markers and the work of the whole batch when work throws', async () => {
    const events = [withdrawn('x'), withdrawn('y')];
    const deliveryId = uuidv7();
    const key = { schema: 'notifier' as const, consumer: 'test' };
    const insertDelivery = (client: pg.PoolClient) =>
      client.query(
        `INSERT INTO notifier.deliveries (id, review_id, intent_id, channel, status) VALUES ($1, $2, $3, 'slack', 'delivered')`,
        [deliveryId, uuidv7(), uuidv7()],
      );
    await expect(
      processOnceBatch(pool, key, events, async (client) => {
        await insertDelivery(client);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const count = async (sql: string, ids: string[]) => (await pool.query<{ n: number }>(sql, [ids])).rows[0]!.n;
    expect(await count('SELECT count(*)::int AS n FROM notifier.deliveries WHERE id = ANY($1::uuid[])', [deliveryId])).toBe(0);
    const markers = 'SELECT count(*)::int AS n FROM notifier.processed_events WHERE event_id = ANY($1::uuid[])';
    expect(await count(markers, events.map((e) => e.id))).toBe(0);

    const seen: string[] = [];
    const retry = await processOnceBatch(pool, key, events, async (client, fresh) => {
      await insertDelivery(client);
      return echoWork(seen)(client, fresh);
    });
    expect(seen).toEqual(events.map((e) => e.id));
    expect(retry.outgoing).toHaveLength(2);
    expect(await count('SELECT count(*)::int AS n FROM notifier.deliveries WHERE id = ANY($1::uuid[])', [deliveryId])).toBe(1);
    expect(await count(markers, events.map((e) => e.id))).toBe(2);
  });

  it('runs work once per id when two batches with overlapping ids (in opposite orders) race', async () => {
    const events = Array.from({ length: 6 }, (_, i) => withdrawn(`race ${i}`));
    const key = { schema: 'broker' as const, consumer: 'test' };
    const runs = new Map<string, number>();
    const slowWork = async (client: pg.PoolClient, fresh: readonly CountersignEvent[]) => {
      for (const e of fresh) runs.set(e.id, (runs.get(e.id) ?? 0) + 1);
      // Hold the transaction open so the twin really waits on the uncommitted marker rows.
      await new Promise((r) => setTimeout(r, 200));
      return echoWork([])(client, fresh);
    };
    // Overlap in opposite orders: without sorted inserts these two would lock each other's rows.
    const left = [events[0]!, events[1]!, events[2]!, events[3]!];
    const right = [events[3]!, events[2]!, events[5]!, events[4]!];
    const [l, r] = await Promise.all([processOnceBatch(pool, key, left, slowWork), processOnceBatch(pool, key, right, slowWork)]);
    expect([...runs.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(runs.size).toBe(6);
    // Whoever lost the race on 2 and 3 got the winner's stored answers, in its own input order.
    expect(reasons(l.outgoing)).toEqual(left.map((e) => `answer to ${e.id}`));
    expect(reasons(r.outgoing)).toEqual(right.map((e) => `answer to ${e.id}`));
    expect([...l.duplicates, ...r.duplicates].sort()).toEqual([events[2]!.id, events[3]!.id].sort());
  });

  it('refuses a schema outside the fixed list', async () => {
    const bad = { schema: 'audit; DROP TABLE x' as 'policy', consumer: 'x' };
    await expect(processOnceBatch(pool, bad, [withdrawn('z')], async () => new Map())).rejects.toThrow(/unknown schema/);
  });
});
