import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentWithdrawnV1, type CountersignEvent } from '@countersign/contracts';
import { createTestDatabase, type TestDatabase } from '@countersign/testing';
import { applyMigrations, createPrismaClient, processOnce, type PrismaClient } from './index.js';

function withdrawn(reason: string): CountersignEvent {
  return createEvent(IntentWithdrawnV1, {
    id: uuidv7(),
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    intentId: uuidv7(),
    actor: { kind: 'service', id: 'test' },
    data: { reason },
  });
}

describe('processOnce', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('cs_once');
    await applyMigrations(db.url);
    prisma = createPrismaClient(db.url);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db.drop();
  });

  it('runs work once and returns the stored outgoing events on a redelivery', async () => {
    const eventId = uuidv7();
    const produced = [withdrawn('first'), withdrawn('second')];
    let runs = 0;
    const work = async () => {
      runs++;
      return produced;
    };
    const first = await processOnce(prisma, { schema: 'policy', consumer: 'test', eventId }, work);
    const second = await processOnce(prisma, { schema: 'policy', consumer: 'test', eventId }, work);
    expect(runs).toBe(1);
    expect(first).toEqual({ duplicate: false, outgoing: produced });
    expect(second).toEqual({ duplicate: true, outgoing: produced });
  });

  it('commits work done through tx together with the marker, and rolls both back on failure', async () => {
    const eventId = uuidv7();
    const deliveryId = uuidv7();
    const insert = (tx: Parameters<Parameters<typeof processOnce>[2]>[0]) =>
      tx.delivery.create({
        data: { id: deliveryId, reviewId: uuidv7(), intentId: uuidv7(), channel: 'slack', status: 'delivered' },
      });
    await expect(
      processOnce(prisma, { schema: 'notifier', consumer: 'test', eventId }, async (tx) => {
        await insert(tx);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await prisma.delivery.findUnique({ where: { id: deliveryId } })).toBeNull();
    expect(await prisma.notifierProcessedEvent.findUnique({ where: { eventId } })).toBeNull();

    const retry = await processOnce(prisma, { schema: 'notifier', consumer: 'test', eventId }, async (tx) => {
      await insert(tx);
      return [];
    });
    expect(retry).toEqual({ duplicate: false, outgoing: [] });
    expect(await prisma.delivery.findUnique({ where: { id: deliveryId } })).toMatchObject({ channel: 'slack' });
  });

  it('runs work once when two deliveries of the same event race', async () => {
    const eventId = uuidv7();
    const out = [withdrawn('raced')];
    let runs = 0;
    const work = async () => {
      runs++;
      // Hold the transaction open so the twin really waits on the uncommitted marker row.
      await new Promise((r) => setTimeout(r, 200));
      return out;
    };
    const key = { schema: 'broker' as const, consumer: 'test', eventId };
    const results = await Promise.all([processOnce(prisma, key, work), processOnce(prisma, key, work)]);
    expect(runs).toBe(1);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
    expect(results[0]!.outgoing).toEqual(out);
    expect(results[1]!.outgoing).toEqual(out);
  });

  it('keeps schemas apart: the same event id is new to another service', async () => {
    const eventId = uuidv7();
    const a = await processOnce(prisma, { schema: 'policy', consumer: 'p', eventId }, async () => []);
    const b = await processOnce(prisma, { schema: 'broker', consumer: 'b', eventId }, async () => []);
    expect([a.duplicate, b.duplicate]).toEqual([false, false]);
  });

  it('refuses a schema outside the fixed list', async () => {
    const bad = { schema: 'audit; DROP TABLE x' as 'policy', consumer: 'x', eventId: uuidv7() };
    await expect(processOnce(prisma, bad, async () => [])).rejects.toThrow(/unknown schema/);
  });
});
