import { randomUUID } from 'node:crypto';
import { createEvent, IntentWithdrawnV1, STREAM_NAME } from '@countersign/contracts';
import { startNatsServer, type RunningNats } from '@countersign/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { UuidV7Generator } from '../runtime/index.js';
import { connectNats, ensureStream, EventPublisher, PublishNotAckedError, type NatsConnection } from './index.js';
import { StreamAcks } from './stream-acks.js';

const logger = createLogger('acks-test', 'silent');
const ids = new UuidV7Generator();
const withdrawn = (reason: string) =>
  createEvent(IntentWithdrawnV1, { id: ids.next(), occurredAt: new Date(), intentId: randomUUID(), actor: { kind: 'user', id: 'a' }, data: { reason } });

describe('EventPublisher / StreamAcks against a real nats-server', () => {
  let nats: RunningNats;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ url: nats.url, name: 'acks-test' });
    await ensureStream(nc);
  });
  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('publishAll stores every event once, in order, keyed by its id; a re-publish is a duplicate', async () => {
    const publisher = new EventPublisher(nc, logger);
    const events = Array.from({ length: 300 }, (_, i) => withdrawn(`n${i}`));
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(STREAM_NAME)).state.last_seq;
    await publisher.publishAll(events);
    await publisher.publishAll(events.slice(0, 10));
    expect((await jsm.streams.info(STREAM_NAME)).state.last_seq).toBe(before + 300);
    const first = await jsm.streams.getMessage(STREAM_NAME, { seq: before + 1 });
    const last = await jsm.streams.getMessage(STREAM_NAME, { seq: before + 300 });
    expect(first!.header.get('Nats-Msg-Id')).toBe(events[0]!.id);
    expect(last!.json<{ id: string }>().id).toBe(events[299]!.id);
    expect(await publisher.publish(events[5]!)).toEqual({ seq: before + 6, duplicate: true });
  });

  it('rejects a publish no stream answers (503), and one the stream refuses', async () => {
    const acks = new StreamAcks(nc);
    await expect(acks.publish(`nostream.${randomUUID()}`, '{}', natsHeaders())).rejects.toThrow(/no stream answered \(503\)/);
    const h = natsHeaders();
    h.set('Nats-Expected-Stream', 'SOMETHING_ELSE');
    const refused = await acks.publish(IntentWithdrawnV1.subject, '{}', h).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PublishNotAckedError);
    expect((refused as PublishNotAckedError).message).toMatch(/expected stream does not match/);
  });

  it('rejects when no ack arrives in time', async () => {
    const silent = `silent.${randomUUID()}`;
    const sub = nc.subscribe(silent); // a responder that never answers
    const acks = new StreamAcks(nc, 300);
    const started = Date.now();
    await expect(acks.publish(silent, '{}', natsHeaders())).rejects.toThrow(/no ack within 300 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
    sub.unsubscribe();
  });

  it('rejects outstanding publishes when the connection closes', async () => {
    const own = await connectNats({ url: nats.url, name: 'acks-close' });
    const silent = `silent.${randomUUID()}`;
    const sub = nc.subscribe(silent);
    await nc.flush(); // the responder is known to the server before the other connection publishes
    const acks = new StreamAcks(own, 60_000);
    const pending = acks.publish(silent, '{}', natsHeaders());
    await own.flush();
    await own.close();
    await expect(pending).rejects.toThrow(/connection closed/);
    sub.unsubscribe();
  });
});
