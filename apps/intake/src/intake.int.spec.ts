import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createEvent,
  GrantIssuedV1,
  IntentClassifiedV1,
  IntentSubmittedV1,
  STREAM_NAME,
  type CountersignEvent,
} from '@countersign/contracts';
import { DevIssuer, loadDemoIdentities, type DemoIdentity } from '@countersign/platform/auth';
import { applyMigrations, createPrismaClient, type PrismaClient } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { ensureStream, EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { ownerSigner, testEventKeys } from '@countersign/platform/event-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeApp } from './bootstrap.js';
import { IntakeConfigSchema } from './config.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

const ids = new UuidV7Generator();
const logger = createLogger('intake-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');
let nats: RunningNats;
let db: TestDatabase;
let issuerDir: string;
let issuer: DevIssuer;
let who: Record<string, DemoIdentity>;
let app: NestFastifyApplication;
let base: string;
let nc: NatsConnection;
let prisma: PrismaClient;

const intentBody = (over: Record<string, unknown> = {}) => ({
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
  args: { table: 'customers', format: 'csv' },
  justification: 'quarterly revenue report',
  ...over,
});

function identity(name: string): DemoIdentity {
  const found = who[name];
  if (!found) throw new Error(`no demo identity ${name}`);
  return found;
}
async function token(name: string, opts: Parameters<DevIssuer['mint']>[1] = {}) {
  return issuer.mint(identity(name), opts);
}

interface Answer {
  status: number;
  headers: Headers;
  body: { [key: string]: unknown; error?: { code: string; message: string; issues?: Array<{ path: string }> } };
}

async function call(
  method: string,
  path: string,
  opts: { auth?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth === undefined ? await token('ci-deployer') : opts.auth;
  if (auth !== null) headers['authorization'] = `Bearer ${auth}`;
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

/** Every message stored on a subject, with its Nats-Msg-Id. */
async function stored(subject: string): Promise<Array<{ msgId: string | undefined; event: CountersignEvent }>> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(STREAM_NAME);
  const out: Array<{ msgId: string | undefined; event: CountersignEvent }> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq }).catch(() => null);
    if (m && m.subject === subject) out.push({ msgId: m.header.get('Nats-Msg-Id'), event: m.json<CountersignEvent>() });
  }
  return out;
}

beforeAll(async () => {
  [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('cs_intake')]);
  await applyMigrations(db.url);
  issuerDir = await mkdtemp(join(tmpdir(), 'cs-intake-issuer-'));
  issuer = await DevIssuer.loadOrCreate(issuerDir);
  const file = fileURLToPath(new URL('../../../config/demo-identities.yaml', import.meta.url));
  who = Object.fromEntries((await loadDemoIdentities(file)).map((i) => [i.name, i]));
  const config = IntakeConfigSchema.parse({
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    DEV_ISSUER_ENABLED: 'true',
    DEV_ISSUER_JWKS_FILE: join(issuerDir, 'jwks.json'),
    INTAKE_REPUBLISH_AFTER_MS: '500',
    INTAKE_REPUBLISH_INTERVAL_MS: '250',
  });
  app = await createIntakeApp(config, logger);
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  nc = await connect({ servers: nats.url });
  prisma = createPrismaClient(db.url);
});

afterAll(async () => {
  await app?.close();
  await nc?.close();
  await prisma?.$disconnect();
  await nats?.stop();
  await db?.drop();
  await rm(issuerDir, { recursive: true, force: true });
});

describe('intake', () => {
  it('is live and ready', async () => {
    expect((await call('GET', '/healthz', { auth: null })).status).toBe(200);
    const ready = await call('GET', '/readyz', { auth: null });
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { nats: 'ok', postgres: 'ok' } } });
  });

  it('accepts an intent, stores it and publishes intent.submitted with Nats-Msg-Id = event id', async () => {
    const res = await call('POST', '/v1/intents', { body: intentBody() });
    expect(res.status).toBe(202);
    const id = res.body['id'] as string;
    expect(res.body).toMatchObject({
      state: 'submitted',
      intentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      links: { self: `/v1/intents/${id}`, wait: `/v1/intents/${id}?wait=30` },
    });
    // published_at is written by a batcher a few milliseconds after the answer.
    const row = await expectEventually(async () => {
      const r = await prisma.intent.findUniqueOrThrow({ where: { id } });
      expect(r.publishedAt).not.toBeNull();
      return r;
    });
    const msgs = (await stored(IntentSubmittedV1.subject)).filter((m) => m.event.intentId === id);
    expect(msgs).toHaveLength(1);
    const [msg] = msgs;
    expect(msg?.msgId).toBe(row.submittedEventId);
    expect(msg?.event.id).toBe(row.submittedEventId);
    // The requester comes from the token.
    expect(msg?.event).toMatchObject({
      actor: { kind: 'pipeline', id: 'ci-deployer', issuer: 'urn:countersign:dev-issuer' },
      data: { intent: { requester: { subject: 'ci-deployer', owner: 'alice', groups: ['pipelines'] } } },
    });
  });

  it('answers 400 naming each bad field', async () => {
    const res = await call('POST', '/v1/intents', {
      body: intentBody({ resource: { kind: 'db', id: 'customers', env: 'PROD' }, action: 'Export' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('VALIDATION_FAILED');
    expect(res.body.error?.issues?.map((i) => i.path).sort()).toEqual(['action', 'resource.env']);
  });

  it('refuses a requester field in the body', async () => {
    const res = await call('POST', '/v1/intents', {
      body: intentBody({ requester: { kind: 'user', subject: 'root', issuer: 'x', groups: [] } }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.issues?.map((i) => i.path)).toEqual(['requester']);
  });

  it('answers 400 for non-JSON and 413 above 64 KiB, in the error shape', async () => {
    const bad = await call('POST', '/v1/intents', { raw: '{"action":', headers: { 'content-type': 'application/json' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    const text = await call('POST', '/v1/intents', { raw: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    const big = await call('POST', '/v1/intents', { body: intentBody({ justification: 'x'.repeat(70_000) }) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('answers 401 with a Bearer challenge for missing, forged, expired and wrong-audience tokens', async () => {
    const forger = await DevIssuer.generate();
    const cases: Array<[string | null, string]> = [
      [null, 'TOKEN_MISSING'],
      [await forger.mint(identity('ci-deployer')), 'TOKEN_INVALID'],
      [await token('ci-deployer', { issuedAt: new Date(Date.now() - 7_200_000), ttlSeconds: 60 }), 'TOKEN_EXPIRED'],
      [await token('ci-deployer', { audience: 'elsewhere' }), 'AUDIENCE_MISMATCH'],
      [await token('ci-deployer', { issuer: 'https://unknown.example' }), 'ISSUER_UNKNOWN'],
    ];
    for (const [auth, code] of cases) {
      const res = await call('POST', '/v1/intents', { auth, body: intentBody() });
      expect(res.status, code).toBe(401);
      expect(res.body.error?.code).toBe(code);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
  });

  it('answers 403 without the intents:write scope', async () => {
    const res = await call('POST', '/v1/intents', { auth: await token('mallory'), body: intentBody() });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'SCOPE_MISSING' } } });
  });

  it('replays an idempotent retry without a second intent, and refuses the key for another body', async () => {
    const key = `retry-${ids.next()}`;
    const first = await call('POST', '/v1/intents', { body: intentBody(), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    const again = await call('POST', '/v1/intents', { body: intentBody(), headers: { 'idempotency-key': key } });
    expect(again.status).toBe(200);
    expect(again.body['id']).toBe(first.body['id']);
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => call('POST', '/v1/intents', { body: intentBody(), headers: { 'idempotency-key': key } })),
    );
    expect(concurrent.map((r) => r.body['id'])).toEqual([first.body['id'], first.body['id'], first.body['id']]);
    const other = await call('POST', '/v1/intents', {
      body: intentBody({ justification: 'something else' }),
      headers: { 'idempotency-key': key },
    });
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    // Keys are per requester: bob may use the same key for his own intent.
    const bob = await call('POST', '/v1/intents', { auth: await token('bob'), body: intentBody(), headers: { 'idempotency-key': key } });
    expect(bob.status).toBe(202);
    expect(bob.body['id']).not.toBe(first.body['id']);

    expect(await prisma.intent.count({ where: { id: first.body['id'] as string } })).toBe(1);
    const published = (await stored(IntentSubmittedV1.subject)).filter((m) => m.event.intentId === first.body['id']);
    expect(published).toHaveLength(1);
    const bad = await call('POST', '/v1/intents', { body: intentBody(), headers: { 'idempotency-key': 'x'.repeat(129) } });
    expect(bad.status).toBe(400);
  });

  it('reads an intent only for its requester or an auditor; others get 404', async () => {
    const { body } = await call('POST', '/v1/intents', { body: intentBody() });
    const id = body['id'] as string;
    const mine = await call('GET', `/v1/intents/${id}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      id,
      state: 'submitted',
      action: 'db.export',
      resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
      decision: null,
      grant: null,
    });
    expect((await call('GET', `/v1/intents/${id}`, { auth: await token('carol') })).status).toBe(200);
    const bob = await call('GET', `/v1/intents/${id}`, { auth: await token('bob') });
    expect(bob).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await call('GET', `/v1/intents/${ids.next()}`)).status).toBe(404);
    expect((await call('GET', '/v1/intents/not-a-uuid')).body.error?.issues?.[0]?.path).toBe('id');
    expect((await call('GET', `/v1/intents/${id}?wait=61`)).status).toBe(400);
    expect((await call('GET', `/v1/intents/${id}?state=bogus`)).status).toBe(400);
    expect((await call('GET', `/v1/intents/${id}`, { auth: null })).status).toBe(401);
  });

  it('long-polls until a published classification changes the state', async () => {
    const { body } = await call('POST', '/v1/intents', { body: intentBody() });
    const id = body['id'] as string;
    const started = Date.now();
    const waiting = call('GET', `/v1/intents/${id}?wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    const classified = createEvent(IntentClassifiedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: id,
      actor: { kind: 'service', id: 'policy' },
      data: {
        intentHash: body['intentHash'] as string,
        decision: 'review',
        policyVersion: 'b'.repeat(64),
        ruleIds: ['prod-export'],
        reasons: ['exports from prod need review'],
      },
    });
    const publisher = new EventPublisher(nc, logger, ownerSigner());
    await publisher.publish(classified);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'pending_review',
      decision: 'review',
      ruleIds: ['prod-export'],
      reasons: ['exports from prod need review'],
      policyVersion: 'b'.repeat(64),
    });
    expect(Date.now() - started).toBeLessThan(5_000);

    // A redelivered or duplicate event changes nothing (intent.submitted is not recorded: see READ_MODEL_EVENTS).
    await publisher.publish({ ...classified, id: ids.next() });
    await expectEventually(async () => expect(await prisma.intentEvent.count({ where: { intentId: id } })).toBe(2));
    expect((await prisma.intent.findUniqueOrThrow({ where: { id } })).state).toBe('pending_review');

    // ?state= is the state the client last saw: a stale view answers at once.
    const immediate = Date.now();
    const caughtUp = await call('GET', `/v1/intents/${id}?wait=20&state=submitted`);
    expect(caughtUp.body['state']).toBe('pending_review');
    expect(Date.now() - immediate).toBeLessThan(2_000);
  });

  it('applies events that arrive together (one consumer batch) in stream order', async () => {
    const { body } = await call('POST', '/v1/intents', { body: intentBody() });
    const id = body['id'] as string;
    const intentHash = body['intentHash'] as string;
    const actor = { kind: 'service' as const, id: 'test' };
    const grantId = ids.next();
    await new EventPublisher(nc, logger, ownerSigner()).publishAll([
      createEvent(IntentClassifiedV1, {
        id: ids.next(),
        occurredAt: new Date(),
        intentId: id,
        actor,
        data: { intentHash, decision: 'allow', policyVersion: 'b'.repeat(64), ruleIds: ['low-risk'], reasons: [] },
      }),
      createEvent(GrantIssuedV1, {
        id: ids.next(),
        occurredAt: new Date(),
        intentId: id,
        actor,
        data: { grantId, jti: ids.next(), intentHash, audience: 'db', claimBy: '2030-01-01T00:00:00.000Z' },
      }),
    ]);
    const res = await call('GET', `/v1/intents/${id}?wait=10&state=submitted`);
    const view = res.body['state'] === 'granted' ? res : await call('GET', `/v1/intents/${id}?wait=10&state=allowed`);
    expect(view.body).toMatchObject({ state: 'granted', decision: 'allow', ruleIds: ['low-risk'], grant: { id: grantId } });
  });

  it('times out a long-poll with the current state when nothing happens', async () => {
    const { body } = await call('POST', '/v1/intents', { body: intentBody() });
    const started = Date.now();
    const res = await call('GET', `/v1/intents/${body['id'] as string}?wait=1.5`);
    const elapsed = Date.now() - started;
    expect(res).toMatchObject({ status: 200, body: { state: 'submitted' } });
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('republishes an intent left unpublished by a crash between commit and publish', async () => {
    const id = ids.next();
    const eventId = ids.next();
    const createdAt = new Date(Date.now() - 2_000);
    await prisma.intent.create({
      data: {
        id,
        requesterSubject: 'ci-deployer',
        requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:countersign:dev-issuer', groups: [] },
        action: 'db.export',
        resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] },
        args: {},
        justification: 'crash test',
        intentHash: 'c'.repeat(64),
        state: 'submitted',
        submittedEventId: eventId,
        createdAt,
        updatedAt: createdAt,
      },
    });
    await expectEventually(async () => {
      const msgs = (await stored(IntentSubmittedV1.subject)).filter((m) => m.event.intentId === id);
      expect(msgs.map((m) => m.msgId)).toEqual([eventId]);
      expect((await prisma.intent.findUniqueOrThrow({ where: { id } })).publishedAt).not.toBeNull();
    });
  });

  it('answers 503 when the event cannot be published and republishes it on an idempotent retry', async () => {
    // The stream vanishing makes every publish fail at once, like an outage but without a 5 s timeout.
    // (Killing nats-server would do too, but RunningNats.restart() hangs after kill(): see the report.)
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(STREAM_NAME);
    const key = `outage-${ids.next()}`;
    let id: string;
    try {
      const down = await call('POST', '/v1/intents', { body: intentBody(), headers: { 'idempotency-key': key } });
      expect(down).toMatchObject({ status: 503, body: { error: { code: 'PUBLISH_FAILED' } } });
      expect(down.headers.get('retry-after')).toBe('1');
      const row = await prisma.intent.findFirstOrThrow({ where: { justification: intentBody().justification, publishedAt: null } });
      id = row.id;
    } finally {
      await ensureStream(nc);
    }
    const retried = await call('POST', '/v1/intents', { body: intentBody(), headers: { 'idempotency-key': key } });
    expect(retried).toMatchObject({ status: 200, body: { id } });
    const msgs = (await stored(IntentSubmittedV1.subject)).filter((m) => m.event.intentId === id);
    expect(msgs).toHaveLength(1);
    await expectEventually(async () =>
      expect((await prisma.intent.findUniqueOrThrow({ where: { id } })).publishedAt).not.toBeNull(),
    );
  });
});
