import { randomUUID } from 'node:crypto';
import {
  createEvent,
  IntentApprovedV1,
  IntentExpiredV1,
  IntentRejectedV1,
  IntentWithdrawnV1,
  MessageRejectedV1,
  STREAM_NAME,
  type CountersignEvent,
} from '@countersign/contracts';
import { expectEventually, startNatsServer, type RunningNats } from '@countersign/testing';
import { ownerSigner, testEventKeys } from '../event-keys/index.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Controller, Inject, Injectable, Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { UuidV7Generator } from '../runtime/index.js';
import { connectNats, ensureStream, EventPublisher, RetryLaterError, type DeliveredEvent, type NatsConnection } from '../nats/index.js';
import { JetStreamContext, JetStreamTransport, OnEvent, OnEventBatch } from './index.js';

const logger = createLogger('nest-batch-test', 'silent');
const ids = new UuidV7Generator();

interface Call {
  handler: string;
  ids: string[];
  types: string[];
  deliveryCounts: number[];
  ctxEventIds: string[];
}

@Injectable()
class Calls {
  readonly all: Call[] = [];
  record(handler: string, items: DeliveredEvent[], ctx: JetStreamContext) {
    this.all.push({
      handler,
      ids: items.map((i) => i.event.id),
      types: items.map((i) => i.event.type),
      deliveryCounts: items.map((i) => i.delivery.deliveryCount),
      ctxEventIds: ctx.deliveries.map((d) => d.eventId),
    });
  }
  of(handler: string): Call[] {
    return this.all.filter((c) => c.handler === handler);
  }
}

@Controller()
class TwoBatchMethods {
  constructor(@Inject(Calls) private readonly calls: Calls) {}

  @OnEventBatch(IntentWithdrawnV1, IntentRejectedV1)
  async endings(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext): Promise<void> {
    this.calls.record('endings', items, ctx);
  }

  @OnEventBatch(IntentExpiredV1)
  async expiries(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext): Promise<void> {
    this.calls.record('expiries', items, ctx);
  }
}

@Controller()
class FailsFirstDelivery {
  constructor(@Inject(Calls) private readonly calls: Calls) {}

  @OnEventBatch(IntentWithdrawnV1)
  async handle(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext): Promise<void> {
    this.calls.record('fails', items, ctx);
    if (items.some((i) => i.delivery.deliveryCount === 1)) throw new Error('first delivery fails');
  }
}

@Controller()
class WithdrawnAndRejections {
  constructor(@Inject(Calls) private readonly calls: Calls) {}

  @OnEventBatch(IntentWithdrawnV1, MessageRejectedV1)
  async handle(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext): Promise<void> {
    this.calls.record('mixed-in', items, ctx);
  }
}

@Controller()
class DefersOneEvent {
  static deferred = new Set<string>();
  constructor(@Inject(Calls) private readonly calls: Calls) {}

  @OnEventBatch(IntentWithdrawnV1)
  async first(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext): Promise<void> {
    this.calls.record('defers', items, ctx);
    const notYet = items.filter((i) => DefersOneEvent.deferred.has(i.event.id) && i.delivery.deliveryCount === 1);
    if (notYet.length > 0) throw new RetryLaterError('not yet', 100, notYet.map((i) => i.event.id));
  }

  @OnEventBatch(IntentRejectedV1)
  async second(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext): Promise<void> {
    this.calls.record('after-deferral', items, ctx);
  }
}

@Controller()
class SingleHandler {
  @OnEvent(IntentApprovedV1)
  async single(): Promise<void> {
    // Never called: the transport refuses this wiring at startup.
  }
}

@Controller()
class SingleOnBatchSubject {
  @OnEvent(IntentExpiredV1)
  async single(): Promise<void> {
    // Never called: the transport refuses this wiring at startup.
  }
}

@Controller()
class DuplicateBatchSubject {
  @OnEventBatch(IntentExpiredV1)
  async again(): Promise<void> {
    // Never called: the transport refuses this wiring at startup.
  }
}

const base = () => ({ id: ids.next(), occurredAt: new Date(), intentId: randomUUID(), actor: { kind: 'user' as const, id: 'bob' } });
const withdrawn = () => createEvent(IntentWithdrawnV1, { ...base(), data: { reason: 'no longer needed' } });
const rejected = () =>
  createEvent(IntentRejectedV1, { ...base(), data: { reviewId: randomUUID(), intentHash: 'a'.repeat(64), reason: 'no' } });
const expired = () => createEvent(IntentExpiredV1, { ...base(), data: { reviewId: randomUUID(), intentHash: 'b'.repeat(64) } });

describe('JetStreamTransport with @OnEventBatch handlers', () => {
  let nats: RunningNats | undefined;
  let nc: NatsConnection | undefined;
  let app: INestApplication | undefined;

  /** Events published before the app starts are all buffered when the consumer first pulls. */
  async function publishFirst(events: CountersignEvent[]): Promise<void> {
    nats = await startNatsServer();
    nc = await connectNats({ url: nats.url, name: 'batch-test-publisher' });
    await ensureStream(nc);
    await new EventPublisher(nc, logger, ownerSigner()).publishAll(events);
  }

  async function startApp(controllers: Type[]): Promise<Calls> {
    nats ??= await startNatsServer();
    @Module({ controllers, providers: [Calls] })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    app.connectMicroservice({
      strategy: new JetStreamTransport({ url: nats.url, durable: 'batch-test', serviceName: 'batch-test', logger, backoffMs: [50], eventKeys: testEventKeys().ring('audit') }),
    });
    await app.startAllMicroservices();
    await app.init();
    return app.get(Calls);
  }

  afterEach(async () => {
    await app?.close().catch(() => undefined);
    await nc?.drain();
    await nats?.stop();
    [app, nc, nats] = [undefined, undefined, undefined];
  });

  it('hands each batch method its events in stream order, several per call, and acks them all', async () => {
    const events = [withdrawn(), rejected(), expired(), withdrawn(), expired(), rejected()];
    await publishFirst(events);
    const calls = await startApp([TwoBatchMethods]);
    const endings = events.filter((e) => e.type !== 'intent.expired').map((e) => e.id);
    const expiries = events.filter((e) => e.type === 'intent.expired').map((e) => e.id);
    await expectEventually(() => {
      expect(calls.of('endings').flatMap((c) => c.ids)).toEqual(endings);
      expect(calls.of('expiries').flatMap((c) => c.ids)).toEqual(expiries);
    });
    // Everything was buffered before the first pull, so calls carry several events, both subjects mixed.
    // (Exactly one call is the norm, but a loaded machine may split the pull response: not asserted.)
    const endingCalls = calls.of('endings');
    expect(Math.max(...endingCalls.map((c) => c.ids.length))).toBeGreaterThan(1);
    expect(endingCalls.flatMap((c) => c.types)).toEqual(['intent.withdrawn', 'intent.rejected', 'intent.withdrawn', 'intent.rejected']);
    for (const c of calls.all) {
      expect(c.ctxEventIds).toEqual(c.ids);
      expect(c.deliveryCounts.every((n) => n === 1)).toBe(true);
    }
    const jsm = await jetstreamManager(nc!);
    await expectEventually(async () => {
      const info = await jsm.consumers.info(STREAM_NAME, 'batch-test');
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
      expect(info.delivered.stream_seq).toBe(events.length);
    });
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const events = [withdrawn(), withdrawn(), withdrawn()];
    await publishFirst(events);
    const calls = await startApp([FailsFirstDelivery]);
    const succeeded = () => calls.of('fails').filter((c) => c.deliveryCounts.every((n) => n > 1));
    await expectEventually(() => expect(succeeded().flatMap((c) => c.ids).sort()).toEqual(events.map((e) => e.id).sort()));
    // Normally one call of three fails and one call of three succeeds; however the pulls were split,
    // every event of a failed call came back, on a later delivery, in a call that succeeded.
    const failed = calls.of('fails').filter((c) => c.deliveryCounts.some((n) => n === 1));
    expect(Math.max(...failed.map((c) => c.ids.length))).toBeGreaterThan(1);
    expect(failed.flatMap((c) => c.ids).sort()).toEqual(events.map((e) => e.id).sort());
    const jsm = await jetstreamManager(nc!);
    await expectEventually(async () => {
      expect((await jsm.consumers.info(STREAM_NAME, 'batch-test')).num_ack_pending).toBe(0);
    });
    // Acked after the successful call: nothing arrives again.
    const settled = calls.all.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(calls.all).toHaveLength(settled);
  });

  it('terminates a malformed message in the middle and still hands the rest to the handler', async () => {
    const before = withdrawn();
    const after = withdrawn();
    nats = await startNatsServer();
    nc = await connectNats({ url: nats.url, name: 'batch-test-publisher' });
    await ensureStream(nc);
    const publisher = new EventPublisher(nc, logger, ownerSigner());
    await publisher.publish(before);
    await jetstream(nc).publish(IntentWithdrawnV1.subject, 'this is { not json');
    await publisher.publish(after);

    const calls = await startApp([WithdrawnAndRejections]);
    await expectEventually(() => {
      const seen = calls.of('mixed-in');
      expect(seen.flatMap((c) => c.ids).slice(0, 2)).toEqual([before.id, after.id]);
      expect(seen.flatMap((c) => c.types)).toContain(MessageRejectedV1.type);
    });
    // The good neighbours came through on their first delivery: the bad one did not drag them into a retry.
    const goodCounts = calls.of('mixed-in').flatMap((c) => c.deliveryCounts.filter((_, i) => c.types[i] === IntentWithdrawnV1.type));
    expect(goodCounts).toEqual([1, 1]);
    const jsm = await jetstreamManager(nc);
    const report = await jsm.streams.getMessage(STREAM_NAME, { last_by_subj: MessageRejectedV1.subject });
    const rejection = report!.json<{ data: { streamSequence: number; reason: string } }>();
    expect(rejection.data).toMatchObject({ streamSequence: 2, reason: expect.stringMatching(/not valid UTF-8 JSON/) });
  });

  it('on a RetryLaterError naming events, still runs the other methods and redelivers only those events', async () => {
    const events = [withdrawn(), withdrawn(), rejected(), rejected()];
    DefersOneEvent.deferred = new Set([events[1]!.id]);
    await publishFirst(events);
    const calls = await startApp([DefersOneEvent]);
    await expectEventually(() => {
      const again = calls.of('defers').flatMap((c) => c.ids.filter((_, i) => c.deliveryCounts[i] === 2));
      expect(again).toEqual([events[1]!.id]);
    });
    expect(calls.of('after-deferral').flatMap((c) => c.ids)).toEqual([events[2]!.id, events[3]!.id]);
    expect(calls.of('after-deferral').flatMap((c) => c.deliveryCounts)).toEqual([1, 1]);
    expect(calls.of('defers').flatMap((c) => c.ids).filter((id) => id === events[0]!.id)).toHaveLength(1);
  });

  it('refuses to start with both @OnEvent and @OnEventBatch handlers', async () => {
    await expect(startApp([TwoBatchMethods, SingleHandler])).rejects.toThrow(/cannot share one transport/);
  });

  it('refuses to start when two @OnEventBatch methods register the same subject', async () => {
    await expect(startApp([TwoBatchMethods, DuplicateBatchSubject])).rejects.toThrow(/more than one handler/);
  });

  it('refuses to start when an @OnEvent method shares a subject with an @OnEventBatch one', async () => {
    await expect(startApp([TwoBatchMethods, SingleOnBatchSubject])).rejects.toThrow(/more than one handler/);
  });
});
