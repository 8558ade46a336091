import { randomUUID } from 'node:crypto';
import { createEvent, IntentWithdrawnV1, STREAM_NAME } from '@countersign/contracts';
import { expectEventually, startNatsServer, type RunningNats } from '@countersign/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { UuidV7Generator } from '../runtime/index.js';
import { connectNats, DurableConsumer, ensureStream, EventPublisher, RetryLaterError, type NatsConnection } from './index.js';

const logger = createLogger('partial-retry-test', 'silent');
const ids = new UuidV7Generator();

describe('RetryLaterError naming event ids in a batch', () => {
  let nats: RunningNats;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ url: nats.url, name: 'partial-retry-test' });
    await ensureStream(nc);
  });
  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('redelivers only the named events, after the delay, and acks the rest of the batch', async () => {
    const publisher = new EventPublisher(nc, logger);
    const events = Array.from({ length: 6 }, (_, i) =>
      createEvent(IntentWithdrawnV1, { id: ids.next(), occurredAt: new Date(), intentId: randomUUID(), actor: { kind: 'user', id: 'a' }, data: { reason: `p${i}` } }),
    );
    const early = new Set([events[1]!.id, events[4]!.id]);
    await publisher.publishAll(events);
    const seen: Array<{ id: string; deliveryCount: number; at: number }> = [];
    const consumer = new DurableConsumer({
      nc,
      durable: 'partial-retry',
      filterSubjects: [IntentWithdrawnV1.subject],
      publisher,
      logger,
      backoffMs: [50],
      handleBatch: async (items) => {
        for (const i of items) seen.push({ id: i.event.id, deliveryCount: i.delivery.deliveryCount, at: Date.now() });
        const notYet = items.filter((i) => early.has(i.event.id) && i.delivery.deliveryCount === 1).map((i) => i.event.id);
        if (notYet.length > 0) throw new RetryLaterError('ahead of their prerequisite', 300, notYet);
      },
    });
    await consumer.start();
    try {
      await expectEventually(() => expect(seen.filter((s) => s.deliveryCount === 2).map((s) => s.id).sort()).toEqual([...early].sort()));
      // Only the named events came back; the others were acked on their first delivery.
      expect(seen.filter((s) => !early.has(s.id)).map((s) => s.deliveryCount)).toEqual([1, 1, 1, 1]);
      const first = Math.min(...seen.filter((s) => s.deliveryCount === 1).map((s) => s.at));
      const again = Math.min(...seen.filter((s) => s.deliveryCount === 2).map((s) => s.at));
      expect(again - first).toBeGreaterThanOrEqual(250); // the error's delay, not the 50 ms backoff
      const jsm = await jetstreamManager(nc);
      await expectEventually(async () => {
        const info = await jsm.consumers.info(STREAM_NAME, 'partial-retry');
        expect(info.num_ack_pending).toBe(0);
        expect(info.num_pending).toBe(0);
      });
    } finally {
      await consumer.stop();
    }
  });
});
