import { randomUUID } from 'node:crypto';
import {
  createEvent,
  IntentWithdrawnV1,
  MessageRejectedV1,
  STREAM_NAME,
  SubjectFilters,
  type CountersignEvent,
  type EventOf,
} from '@countersign/contracts';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { UuidV7Generator } from '../runtime/index.js';
import {
  connectNats,
  DurableConsumer,
  ensureStream,
  EventPublisher,
  NatsUnavailableError,
  RetryLaterError,
  type Delivery,
  type DurableConsumerOptions,
  type NatsConnection,
} from './index.js';

const logger = createLogger('nats-test', 'silent');
const ids = new UuidV7Generator();

function withdrawn(reason = 'test'): EventOf<typeof IntentWithdrawnV1> {
  return createEvent(IntentWithdrawnV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId: randomUUID(),
    actor: { kind: 'user', id: 'alice' },
    data: { reason },
  });
}

describe('DurableConsumer on a real nats-server', () => {
  let nats: RunningNats;
  let nc: NatsConnection;
  let publisher: EventPublisher;
  const consumers: DurableConsumer[] = [];

  const consumer = (opts: Partial<DurableConsumerOptions> & Pick<DurableConsumerOptions, 'durable'>) => {
    const c = new DurableConsumer({
      nc,
      filterSubjects: [IntentWithdrawnV1.subject],
      publisher,
      logger,
      backoffMs: [50],
      ...opts,
    });
    consumers.push(c);
    return c;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ url: nats.url, name: 'consumer-test' });
    publisher = new EventPublisher(nc, logger);
  });
  beforeEach(async () => {
    // A fresh stream per test: each test reads it from the start.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(STREAM_NAME).catch(() => undefined);
    await ensureStream(nc);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('fails the first connect with a message naming the URL and how to start nats-server', async () => {
    const err = await connectNats({ url: 'nats://127.0.0.1:1', name: 'x', timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatsUnavailableError);
    expect((err as Error).message).toContain('nats://127.0.0.1:1');
    expect((err as Error).message).toMatch(/nats-server -js/);
  });

  describe('with Postgres side effects', () => {
    let db: TestDatabase;
    let pool: pg.Pool;
    beforeAll(async () => {
      db = await createTestDatabase('cs_nats');
      pool = new pg.Pool({ connectionString: db.url, max: 4 });
      await pool.query('CREATE TABLE handled (event_id uuid PRIMARY KEY, reason text NOT NULL)');
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
    });

    it('redelivers after a handler crash and the side effect happens exactly once', async () => {
      const events = [withdrawn('a'), withdrawn('crash'), withdrawn('c')];
      const calls: Delivery[] = [];
      await consumer({
        durable: 'crash-test',
        handle: async (event, delivery) => {
          calls.push(delivery);
          await pool.query('INSERT INTO handled (event_id, reason) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING', [
            event.id,
            event.type === 'intent.withdrawn' ? (event.data.reason ?? '') : '',
          ]);
          // The worst moment to die: after the commit, before the ack.
          if (event.id === events[1]!.id && delivery.deliveryCount === 1) throw new Error('simulated crash');
        },
      }).start();
      await publisher.publishAll(events);

      await expectEventually(async () => {
        const { rows } = await pool.query<{ event_id: string }>('SELECT event_id FROM handled ORDER BY event_id');
        expect(rows.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
      });
      await expectEventually(() => {
        const crashed = calls.filter((c) => c.eventId === events[1]!.id);
        expect(crashed.map((c) => c.deliveryCount)).toEqual([1, 2]);
      });
      const js = await jetstreamManager(nc);
      await expectEventually(async () => {
        const info = await js.consumers.info(STREAM_NAME, 'crash-test');
        expect(info.num_ack_pending).toBe(0);
        expect(info.num_pending).toBe(0);
      });
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM handled');
      expect(Number(rows[0]!.n)).toBe(3);
    });

    it('handleBatch gets several events at once, and a failed batch is redelivered whole', async () => {
      const events = Array.from({ length: 40 }, (_, i) => withdrawn(`b${i}`));
      const batchSizes: number[] = [];
      let failedOnce = false;
      // Publish first so that the consumer finds a backlog and can batch it.
      await publisher.publishAll(events);
      await consumer({
        durable: 'batch-test',
        batchSize: 16,
        handleBatch: async (items) => {
          batchSizes.push(items.length);
          const values = items.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2})`).join(', ');
          const params = items.flatMap(({ event }) => [event.id, 'batch']);
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query(`INSERT INTO handled (event_id, reason) VALUES ${values} ON CONFLICT DO NOTHING`, params);
            if (!failedOnce) {
              failedOnce = true;
              throw new Error('simulated failure inside the transaction');
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          } finally {
            client.release();
          }
        },
      }).start();

      await expectEventually(async () => {
        const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM handled WHERE reason = 'batch'`);
        expect(Number(rows[0]!.n)).toBe(40);
      });
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
      expect(Math.max(...batchSizes)).toBeLessThanOrEqual(16);
      const jsm = await jetstreamManager(nc);
      await expectEventually(async () => expect((await jsm.consumers.info(STREAM_NAME, 'batch-test')).num_ack_pending).toBe(0));
    });
  });

  it('with lingerMs, events published one at a time after the first still land in its batch', async () => {
    const batches: string[][] = [];
    await consumer({
      durable: 'linger-test',
      lingerMs: 1_500,
      handleBatch: async (items) => {
        batches.push(items.map((i) => i.event.id));
      },
    }).start();
    const events = Array.from({ length: 3 }, (_, i) => withdrawn(`linger${i}`));
    // Awaited one by one: without a linger each would arrive alone and make its own batch.
    for (const e of events) await publisher.publish(e);
    await expectEventually(() => expect(batches.flat()).toEqual(expect.arrayContaining(events.map((e) => e.id))), { timeoutMs: 10_000 });
    expect(batches.some((b) => events.every((e) => b.includes(e.id)))).toBe(true);
  });

  it('stores and handles a duplicate publish (same event id) once', async () => {
    const event = withdrawn('dup');
    const first = await publisher.publish(event);
    const second = await publisher.publish(event);
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    await publisher.publishAll([event, event]);

    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(STREAM_NAME)).state.messages).toBe(1);

    const handled: string[] = [];
    await consumer({ durable: 'dup-test', handle: async (e) => void handled.push(e.id) }).start();
    const marker = withdrawn('marker');
    await publisher.publish(marker);
    await expectEventually(() => expect(handled).toContain(marker.id));
    expect(handled.filter((id) => id === event.id)).toHaveLength(1);
  });

  it('terminates malformed messages, reports each one, and keeps consuming', async () => {
    const js = jetstream(nc);
    await js.publish(IntentWithdrawnV1.subject, 'this is { not json');
    const invalid = { ...withdrawn(), id: 'not-a-uuid' };
    const h = natsHeaders();
    h.set('Countersign-Intent-Id', invalid.intentId!);
    await js.publish(IntentWithdrawnV1.subject, JSON.stringify(invalid), { msgID: randomUUID(), headers: h });
    await js.publish('countersign.bogus.thing.v1', JSON.stringify(withdrawn()));
    const valid = withdrawn('after the junk');
    await publisher.publish(valid);

    const handled: CountersignEvent[] = [];
    await consumer({
      durable: 'malformed-test',
      filterSubjects: [SubjectFilters.all],
      handle: async (e) => void handled.push(e),
    }).start();

    await expectEventually(() => {
      expect(handled.map((e) => e.id)).toContain(valid.id);
      expect(handled.filter((e) => e.type === MessageRejectedV1.type)).toHaveLength(3);
    });
    const rejections = handled.flatMap((e) => (e.type === 'system.message_rejected' ? [e] : []));
    const reasons = rejections.map((r) => r.data.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not valid UTF-8 JSON/),
        expect.stringMatching(/schema violation at id:/),
        expect.stringMatching(/unknown subject countersign\.bogus\.thing\.v1/),
      ]),
    );
    for (const r of rejections) {
      expect(r.actor).toEqual({ kind: 'service', id: 'malformed-test' });
      expect(r.data.consumer).toBe('malformed-test');
      expect(r.data.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
      // Values from the bad payload never leak into the report.
      expect(r.data.reason).not.toContain('not-a-uuid');
    }
    expect(rejections.find((r) => r.data.reason.includes('schema'))!.intentId).toBe(invalid.intentId);

    const jsm = await jetstreamManager(nc);
    await expectEventually(async () => {
      const info = await jsm.consumers.info(STREAM_NAME, 'malformed-test');
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_redelivered).toBe(0);
    });
  });

  it('gives up after maxDeliver failures and reports it; RetryLaterError is retried after its delay', async () => {
    const poison = withdrawn('poison');
    const later = withdrawn('later');
    const seen: Array<{ id: string; n: number; at: number }> = [];
    const rejected: CountersignEvent[] = [];
    await consumer({
      durable: 'giveup-test',
      filterSubjects: [IntentWithdrawnV1.subject, MessageRejectedV1.subject],
      maxDeliver: 3,
      handle: async (e, d) => {
        if (e.type === 'system.message_rejected') return void rejected.push(e);
        seen.push({ id: e.id, n: d.deliveryCount, at: Date.now() });
        if (e.id === poison.id) throw new Error('always broken');
        if (d.deliveryCount === 1) throw new RetryLaterError('not yet', 300);
      },
    }).start();
    await publisher.publishAll([poison, later]);

    await expectEventually(() => {
      expect(rejected).toHaveLength(1);
      expect(seen.filter((s) => s.id === later.id)).toHaveLength(2);
    });
    const r = rejected[0]!;
    expect(r.type === 'system.message_rejected' && r.data.reason).toBe('gave up after 3 deliveries: always broken');
    expect(r.type === 'system.message_rejected' && r.data.originalEventId).toBe(poison.id);
    expect(seen.filter((s) => s.id === poison.id).map((s) => s.n)).toEqual([1, 2, 3]);
    const [l1, l2] = seen.filter((s) => s.id === later.id);
    expect(l2!.at - l1!.at).toBeGreaterThanOrEqual(250);
  });

  it('stop() waits for the in-flight handler and acks its message', async () => {
    let finished = false;
    let startedResolve!: () => void;
    const started = new Promise<void>((r) => (startedResolve = r));
    const c = consumer({
      durable: 'stop-test',
      handle: async () => {
        startedResolve();
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
      },
    });
    await c.start();
    await publisher.publish(withdrawn('slow'));
    await started;
    await c.stop();
    expect(finished).toBe(true);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(STREAM_NAME, 'stop-test');
    expect(info.num_ack_pending).toBe(0);
    expect(info.delivered.stream_seq).toBe(info.ack_floor.stream_seq);
  });

  it('rejects an invalid event at publish time and never sends it', async () => {
    const bad = { ...withdrawn(), actor: { kind: 'robot', id: 'x' } } as unknown as CountersignEvent;
    await expect(publisher.publish(bad)).rejects.toMatchObject({ code: 'EVENT_INVALID' });
    const unknown = { ...withdrawn(), type: 'intent.vanished' } as unknown as CountersignEvent;
    await expect(publisher.publish(unknown)).rejects.toMatchObject({ code: 'EVENT_TYPE_UNKNOWN' });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(STREAM_NAME)).state.messages).toBe(0);
  });

  it('updates an existing durable when a new deploy subscribes to other subjects', async () => {
    const first = consumer({ durable: 'redeploy-test', handle: async () => undefined });
    await first.start();
    await first.stop();
    const handled: string[] = [];
    await consumer({
      durable: 'redeploy-test',
      filterSubjects: [IntentWithdrawnV1.subject, MessageRejectedV1.subject],
      handle: async (e) => void handled.push(e.type),
    }).start();
    await publisher.publish(withdrawn());
    await publisher.publish(
      createEvent(MessageRejectedV1, {
        id: ids.next(),
        occurredAt: new Date(),
        intentId: null,
        actor: { kind: 'service', id: 'x' },
        data: { subject: 's', consumer: 'c', streamSequence: 1, payloadSha256: 'c'.repeat(64), reason: 'r' },
      }),
    );
    await expectEventually(() => expect(handled.sort()).toEqual(['intent.withdrawn', 'system.message_rejected']));
  });

  it('keeps consuming across a nats-server restart', async () => {
    const handled: string[] = [];
    await consumer({ durable: 'restart-test', handle: async (e) => void handled.push(e.id) }).start();
    const before = withdrawn('before');
    await publisher.publish(before);
    await expectEventually(() => expect(handled).toContain(before.id));
    await nats.restart();
    const after = withdrawn('after');
    // The first publish may race the reconnect; the same id makes the retry safe.
    await expectEventually(() => publisher.publish(after), { timeoutMs: 20_000, intervalMs: 250 });
    await expectEventually(() => expect(handled).toContain(after.id), { timeoutMs: 30_000 });
    expect(handled.filter((id) => id === before.id)).toHaveLength(1);
  });
});
