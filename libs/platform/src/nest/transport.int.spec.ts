import { randomUUID } from 'node:crypto';
import { createEvent, IntentExpiredV1, IntentRejectedV1, IntentWithdrawnV1, SignatureRejectedV1, STREAM_NAME, type EventOf } from '@countersign/contracts';
import { expectEventually, startNatsServer, type RunningNats } from '@countersign/testing';
import { ownerSigner, testEventKeys } from '../event-keys/index.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { Controller, Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { UuidV7Generator } from '../runtime/index.js';
import { EventPublisher, RetryLaterError, type NatsConnection } from '../nats/index.js';
import { JetStreamContext, JetStreamTransport, NATS_CONNECTION, NatsModule, OnEvent, OnEvents } from './index.js';

const logger = createLogger('nest-test', 'silent');
const ids = new UuidV7Generator();

@Injectable()
class Recorder {
  readonly seen: Array<{ handler: string; eventId: string; deliveryCount: number; subject: string; at: number }> = [];
}

@Controller()
class TestHandlers {
  constructor(@Inject(Recorder) private readonly recorder: Recorder) {}

  @OnEvent(IntentWithdrawnV1)
  async withdrawn(@Payload() event: EventOf<typeof IntentWithdrawnV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    this.record('withdrawn', event.id, ctx);
  }

  @OnEvents(IntentRejectedV1)
  async rejected(@Payload() event: EventOf<typeof IntentRejectedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    this.record('rejected', event.id, ctx);
    if (ctx.delivery.deliveryCount === 1) throw new Error('first delivery fails');
  }

  /** The transport must see the RetryLaterError itself (and its delay), not Nest's generic RPC error. */
  @OnEvent(IntentExpiredV1)
  async expired(@Payload() event: EventOf<typeof IntentExpiredV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    this.record('expired', event.id, ctx);
    if (ctx.delivery.deliveryCount === 1) throw new RetryLaterError('dependency not ready', 400);
  }

  private record(handler: string, eventId: string, ctx: JetStreamContext) {
    const { deliveryCount, subject } = ctx.delivery;
    this.recorder.seen.push({ handler, eventId, deliveryCount, subject, at: Date.now() });
  }
}

describe('JetStreamTransport in a Nest app', () => {
  let nats: RunningNats;
  let app: INestApplication;

  beforeAll(async () => {
    nats = await startNatsServer();
    @Module({
      // The app signs as policy: the owner of intent.rejected / intent.expired, not of intent.withdrawn.
      imports: [NatsModule.forRoot({ url: nats.url, name: 'nest-test', logger, eventKeys: testEventKeys().ring('policy') })],
      controllers: [TestHandlers],
      providers: [Recorder],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    app.connectMicroservice({
      strategy: new JetStreamTransport({ url: nats.url, durable: 'nest-test', serviceName: 'nest-test', logger, backoffMs: [50], eventKeys: testEventKeys().ring('policy') }),
    });
    await app.startAllMicroservices();
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await nats?.stop();
  });

  const base = () => ({ id: ids.next(), occurredAt: new Date(), intentId: randomUUID(), actor: { kind: 'user' as const, id: 'bob' } });

  it('delivers a valid event to its @OnEvent handler with the delivery in the context', async () => {
    const publisher = new EventPublisher(app.get<NatsConnection>(NATS_CONNECTION), logger, ownerSigner());
    const event = createEvent(IntentWithdrawnV1, { ...base(), data: { reason: 'no longer needed' } });
    await publisher.publish(event);
    const recorder = app.get(Recorder);
    await expectEventually(() =>
      expect(recorder.seen).toContainEqual(
        expect.objectContaining({ handler: 'withdrawn', eventId: event.id, deliveryCount: 1, subject: IntentWithdrawnV1.subject }),
      ),
    );
  });

  it('never hands on an event signed by a service that does not own its type: terminated and reported', async () => {
    const nc = app.get<NatsConnection>(NATS_CONNECTION);
    const reports: Array<EventOf<typeof SignatureRejectedV1>> = [];
    const sub = nc.subscribe(SignatureRejectedV1.subject, { callback: (_e, m) => reports.push(m.json()) });
    // Policy's valid signature on an intake event: the key is known, the owner is wrong.
    const forged = createEvent(IntentWithdrawnV1, { ...base(), data: { reason: 'withdrawn by someone else' } });
    await app.get(EventPublisher).publish(forged);
    await expectEventually(() => expect(reports.map((r) => r.data.originalEventId)).toContain(forged.id));
    const report = reports.find((r) => r.data.originalEventId === forged.id)!;
    expect(report.data).toMatchObject({ eventType: 'intent.withdrawn', consumer: 'nest-test', signer: 'policy', kid: testEventKeys().ring('policy').kid });
    expect(report.data.reason).toMatch(/may not be emitted by policy/);
    // The report is itself signed by the consumer's service, and verifies.
    expect(testEventKeys().ring('audit').verifier.verifyEvent(report)).toMatchObject({ ok: true, service: 'policy' });
    await new Promise((r) => setTimeout(r, 300));
    expect(app.get(Recorder).seen.some((s) => s.eventId === forged.id)).toBe(false);
    const info = await (await jetstreamManager(nc)).consumers.info(STREAM_NAME, 'nest-test');
    expect(info.num_ack_pending).toBe(0);
    sub.unsubscribe();
  });

  it('does not ack a message whose handler threw: it comes back as a second delivery', async () => {
    const publisher = app.get(EventPublisher);
    const event = createEvent(IntentRejectedV1, {
      ...base(),
      data: { reviewId: randomUUID(), intentHash: 'a'.repeat(64), reason: 'not today' },
    });
    await publisher.publish(event);
    const recorder = app.get(Recorder);
    await expectEventually(() =>
      expect(recorder.seen.filter((s) => s.eventId === event.id).map((s) => s.deliveryCount)).toEqual([1, 2]),
    );
    const jsm = await jetstreamManager(app.get<NatsConnection>(NATS_CONNECTION));
    await expectEventually(async () => {
      const info = await jsm.consumers.info(STREAM_NAME, 'nest-test');
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_redelivered).toBe(0);
      expect(info.config.filter_subject ?? info.config.filter_subjects).toBeTruthy();
    });
  });

  it('hands a RetryLaterError to the transport unchanged, so its delay is honoured', async () => {
    const event = createEvent(IntentExpiredV1, { ...base(), data: { reviewId: randomUUID(), intentHash: 'b'.repeat(64) } });
    await app.get(EventPublisher).publish(event);
    const recorder = app.get(Recorder);
    await expectEventually(() => expect(recorder.seen.filter((s) => s.eventId === event.id)).toHaveLength(2));
    const [first, second] = recorder.seen.filter((s) => s.eventId === event.id);
    // The default backoff here is 50 ms: a gap near 400 ms proves the transport saw the original error.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(350);
  });
});
