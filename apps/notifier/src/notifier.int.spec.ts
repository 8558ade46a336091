import { jetstream } from '@nats-io/jetstream';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, ReviewRequestedV1, SubjectFilters, type CountersignEvent, type Intent } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { applyMigrations } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { ownerSigner, testEventKeys, ownerSignedJson } from '@countersign/platform/event-keys';
import { createNotifierApp } from './bootstrap.js';
import { NotifierConfigSchema } from './config.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

const logger = createLogger('notifier-test', 'silent');
const ids = new UuidV7Generator();

describe('notifier service (real NATS + Postgres)', () => {
  let nats: RunningNats;
  let db: TestDatabase;
  let app: INestApplication;
  let nc: NatsConnection;
  let sql: pg.Pool;
  const seen: CountersignEvent[] = [];

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('cs_notifier')]);
    await applyMigrations(db.url);
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
    nc = await connectNats({ url: nats.url, name: 'notifier-test' });
    const sub = nc.subscribe(SubjectFilters.review);
    void (async () => {
      for await (const m of sub) seen.push(m.json<CountersignEvent>());
    })();
    const config = NotifierConfigSchema.parse({ NATS_URL: nats.url, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent' });
    app = await createNotifierApp(config, logger);
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await nc?.drain();
    await sql?.end();
    await nats?.stop();
    await db?.drop();
  });

  it('records one console delivery per review and announces it once, even when the request is seen twice', async () => {
    const intent: Intent = {
      action: 'db.export',
      resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
      args: {},
      justification: 'audit sample',
      requester: { kind: 'user', subject: 'alice', issuer: 'urn:test', groups: [] },
    };
    const requested = createEvent(ReviewRequestedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: 'service', id: 'policy' },
      data: {
        reviewId: ids.next(),
        intentHash: intentHash(intent),
        requirement: { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600 },
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        intent,
      },
    });
    await new EventPublisher(nc, logger, ownerSigner()).publish(requested);
    const notified = await expectEventually(() => {
      const out = seen.filter((e) => e.type === 'review.notified');
      expect(out).toHaveLength(1);
      return out[0]!;
    });
    const { rows } = await sql.query('SELECT id, review_id, intent_id, channel, status FROM notifier.deliveries');
    expect(rows).toEqual([{ id: expect.any(String), review_id: requested.data.reviewId, intent_id: requested.intentId, channel: 'console', status: 'delivered' }]);
    expect(notified).toMatchObject({
      intentId: requested.intentId,
      causationId: requested.id,
      actor: { kind: 'service', id: 'notifier' },
      data: { reviewId: requested.data.reviewId, channel: 'console', deliveryId: rows[0].id },
    });

    // The same event again as a separate stream message: no second delivery, the stored event is republished.
    await jetstream(nc).publish(ReviewRequestedV1.subject, ownerSignedJson(requested), { msgID: `${requested.id}-again` });
    await expectEventually(() => expect(seen.filter((e) => e.type === 'review.notified').map((e) => e.id)).toEqual([notified.id, notified.id]));
    const { rows: after } = await sql.query('SELECT count(*)::int AS n FROM notifier.deliveries');
    expect(after[0].n).toBe(1);
  });

  it('answers /readyz', async () => {
    const res = await fetch(`${await app.getUrl()}/readyz`);
    expect(res.status).toBe(200);
  });

  it('has no Slack endpoint while Slack is off', async () => {
    const res = await fetch(`${await app.getUrl()}/v1/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%7D',
    });
    expect(res.status).toBe(404);
  });
});
