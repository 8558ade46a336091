import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createEvent,
  GrantIssuedV1,
  GrantRevokedV1,
  IntentApprovedV1,
  IntentClassifiedV1,
  IntentSubmittedV1,
  STREAM_NAME,
  type CountersignEvent,
  type Intent,
} from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { DEV_ISSUER, DevIssuer, type DemoIdentity } from '@countersign/platform/auth';
import { Ed25519Key } from '@countersign/platform/crypto';
import { applyMigrations } from '@countersign/platform/db';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { Clock } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerApp } from '../bootstrap.js';
import { loadBrokerConfig } from '../config.js';
import { IssueGrants } from './issue-grant/issue-grants.use-case.js';
import { SweepExpiredGrants } from './sweep-expired-grants/sweep-expired-grants.use-case.js';

class MovableClock extends Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const requester: DemoIdentity = { name: 'ci-deployer', kind: 'pipeline', groups: ['pipelines'], owner: 'alice', scopes: ['intents:write', 'grants:claim'] };
const stranger: DemoIdentity = { name: 'support-agent', kind: 'agent', groups: [], owner: 'bob', scopes: ['grants:claim'] };
const noScope: DemoIdentity = { name: 'nobody', kind: 'user', groups: [], scopes: [] };
const terms = { audience: 'db-proxy', claimTtlSeconds: 300, useTtlSeconds: 60 };

let nats: RunningNats;
let db: TestDatabase;
let dir: string;
let app: NestExpressApplication;
let base: string;
let nc: NatsConnection;
let publisher: EventPublisher;
let issuer: DevIssuer;
let sql: pg.Client;
const clock = new MovableClock();
const logLines: string[] = [];
/** Every grant handed out, to prove none of them leaks anywhere. */
const minted: string[] = [];

beforeAll(async () => {
  [nats, db, dir] = await Promise.all([startNatsServer(), createTestDatabase('cs_broker'), mkdtemp(join(tmpdir(), 'cs-broker-'))]);
  await applyMigrations(db.url);
  issuer = await DevIssuer.loadOrCreate(join(dir, 'dev-issuer'));
  const keyFile = join(dir, 'broker-signing.pem');
  await writeFile(keyFile, Ed25519Key.generate().toPem(), { mode: 0o600 });
  const config = loadBrokerConfig({
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    DEV_ISSUER_ENABLED: 'true',
    DEV_ISSUER_JWKS_FILE: issuer.jwksFile!,
    BROKER_SIGNING_KEY_FILE: keyFile,
    // Sweeps run by hand below, so that moving the clock is deterministic.
    BROKER_SWEEP_INTERVAL_MS: '3600000',
    BROKER_OUTBOX_INTERVAL_MS: '500',
  });
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) });
  const logger = pino({ level: 'debug' }, sink);
  app = await createBrokerApp({ config, logger, clock });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
  nc = await connectNats({ url: nats.url, name: 'broker-test' });
  publisher = new EventPublisher(nc, logger);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});

afterAll(async () => {
  await app?.close();
  await nc?.drain();
  await sql?.end();
  await Promise.all([nats?.stop(), db?.drop(), dir && rm(dir, { recursive: true, force: true })]);
});

function newIntent(who: DemoIdentity = requester): { intentId: string; intent: Intent; hash: string } {
  const intent: Intent = {
    action: 'db.export',
    resource: { kind: 'db', id: `customers-${uuidv7().slice(-6)}`, env: 'prod', tags: ['pii'] },
    args: { format: 'csv' },
    justification: 'quarterly report',
    requester: { kind: who.kind, subject: who.name, issuer: DEV_ISSUER, groups: who.groups, ...(who.owner ? { owner: who.owner } : {}) },
  };
  return { intentId: uuidv7(), intent, hash: intentHash(intent) };
}

const policyActor = { kind: 'service' as const, id: 'policy' };
function submitted(i: ReturnType<typeof newIntent>) {
  return createEvent(IntentSubmittedV1, {
    id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: { kind: 'pipeline', id: 'ci-deployer', issuer: DEV_ISSUER },
    data: { intent: i.intent, intentHash: i.hash },
  });
}
function classified(i: ReturnType<typeof newIntent>, decision: 'allow' | 'deny' = 'allow') {
  return createEvent(IntentClassifiedV1, {
    id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor,
    data: { intentHash: i.hash, decision, policyVersion: 'e'.repeat(64), ruleIds: ['r1'], reasons: ['ok'], grant: terms },
  });
}

async function grantRow(intentId: string): Promise<Record<string, unknown> | undefined> {
  const r = await sql.query('SELECT * FROM broker.grants WHERE intent_id = $1', [intentId]);
  return r.rows[0] as Record<string, unknown> | undefined;
}

async function streamEvents(): Promise<Array<{ event: CountersignEvent; raw: string; headers: string }>> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(STREAM_NAME);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq });
    if (!m) continue;
    out.push({ event: m.json<CountersignEvent>(), raw: m.string(), headers: m.header ? JSON.stringify([...m.header]) : '' });
  }
  return out;
}

/** Publishes submitted + classified(allow) and waits for the grant row. */
async function allowedIntent(who: DemoIdentity = requester) {
  const i = newIntent(who);
  await publisher.publishAll([submitted(i), classified(i)]);
  await expectEventually(async () => expect(await grantRow(i.intentId)).toBeDefined());
  return i;
}

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // Response bodies of many shapes, asserted field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}

async function claim(intentId: string, who: DemoIdentity = requester) {
  const res = await post('/v1/grants/claim', { intentId }, await issuer.mint(who));
  if (res.status === 200) minted.push(res.body['grant'] as string);
  return res;
}

describe('broker', () => {
  it('answers health and readiness', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });
  });

  it('issues a grant for an allowed intent and publishes grant.issued without any token', async () => {
    const i = await allowedIntent();
    const row = await grantRow(i.intentId);
    expect(row).toMatchObject({ state: 'issued', intent_hash: i.hash, requester_subject: 'ci-deployer', requester_issuer: DEV_ISSUER, audience: 'db-proxy', action: 'db.export', use_ttl_seconds: 60, token_sha256: null });
    await expectEventually(async () => {
      const issued = (await streamEvents()).map((m) => m.event).find((e) => e.type === 'grant.issued' && e.intentId === i.intentId);
      expect(issued?.data).toEqual({ grantId: row!['id'], jti: row!['jti'], intentHash: i.hash, audience: 'db-proxy', claimBy: (row!['claim_by'] as Date).toISOString() });
    });
  });

  it('issues once even when classified arrives before submitted, and never for deny', async () => {
    const late = newIntent();
    await publisher.publish(classified(late));
    await new Promise((r) => setTimeout(r, 300));
    expect(await grantRow(late.intentId)).toBeUndefined();
    await publisher.publish(submitted(late));
    await expectEventually(async () => expect(await grantRow(late.intentId)).toMatchObject({ state: 'issued' }), { timeoutMs: 15_000 });

    const denied = newIntent();
    await publisher.publishAll([submitted(denied), classified(denied, 'deny')]);
    const allowed = await allowedIntent(); // published after the deny: once it is done, the deny was handled
    expect(await grantRow(allowed.intentId)).toBeDefined();
    expect(await grantRow(denied.intentId)).toBeUndefined();
  });

  it('issues a grant after an approval', async () => {
    const i = newIntent();
    const approved = createEvent(IntentApprovedV1, {
      id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor,
      data: { reviewId: uuidv7(), intentHash: i.hash, grant: { ...terms, audience: 'k8s-api' }, approvers: ['alice', 'bob'] },
    });
    await publisher.publishAll([submitted(i), approved]);
    await expectEventually(async () => expect(await grantRow(i.intentId)).toMatchObject({ state: 'issued', audience: 'k8s-api' }));
  });

  it('issues one grant per intent for a burst, and an overtaking event holds back none of its batch mates', async () => {
    const late = newIntent();
    const burst = Array.from({ length: 30 }, () => newIntent());
    // Stream order puts the early classified first, in the same pull as the others.
    await publisher.publishAll([classified(late), ...burst.flatMap((i) => [submitted(i), classified(i)])]);
    // Sooner than the 1 s retry delay: had the early event failed its whole batch, the burst would wait for it.
    await expectEventually(
      async () => {
        const r = await sql.query('SELECT count(*)::int AS n FROM broker.grants WHERE intent_id = ANY($1::uuid[])', [burst.map((i) => i.intentId)]);
        expect(r.rows[0].n).toBe(burst.length);
      },
      { timeoutMs: 900 },
    );
    expect(await grantRow(late.intentId)).toBeUndefined();
    await publisher.publish(submitted(late));
    await expectEventually(async () => expect(await grantRow(late.intentId)).toMatchObject({ state: 'issued' }), { timeoutMs: 15_000 });
    await expectEventually(async () => {
      const ids = new Set([late, ...burst].map((i) => i.intentId));
      const issued = (await streamEvents()).map((m) => m.event).filter((e) => e.type === 'grant.issued' && ids.has(e.intentId!));
      expect(issued).toHaveLength(burst.length + 1);
    });
  });

  it('a redelivered classified event issues no second grant and republishes the same grant.issued id', async () => {
    const i = newIntent();
    const allow = classified(i);
    await publisher.publishAll([submitted(i), allow]);
    await expectEventually(async () => expect(await grantRow(i.intentId)).toBeDefined());
    const issuedFor = async () => (await streamEvents()).map((m) => m.event).filter((e) => e.type === 'grant.issued' && e.intentId === i.intentId);
    const [first] = await expectEventually(async () => {
      const found = await issuedFor();
      expect(found).toHaveLength(1);
      return found;
    });
    // A second stream message with the same event (as after a crash before ack): a new Nats-Msg-Id gets it past dedup.
    const seen: CountersignEvent[] = [];
    const sub = nc.subscribe(GrantIssuedV1.subject);
    void (async () => {
      for await (const m of sub) seen.push(m.json<CountersignEvent>());
    })();
    await jetstream(nc).publish(IntentClassifiedV1.subject, JSON.stringify(allow), { msgID: `${allow.id}-again` });
    await expectEventually(() => expect(seen.map((e) => e.id)).toEqual([first!.id]));
    sub.unsubscribe();
    expect(await issuedFor()).toHaveLength(1);
    const r = await sql.query('SELECT count(*)::int AS n FROM broker.grants WHERE intent_id = $1', [i.intentId]);
    expect(r.rows[0].n).toBe(1);
  });

  it('a batch holding already-processed events republishes their stored events and writes nothing new for them', async () => {
    const i = newIntent();
    const sub1 = submitted(i);
    const allow = classified(i);
    await publisher.publishAll([sub1, allow]);
    await expectEventually(async () => expect(await grantRow(i.intentId)).toBeDefined());
    const processedIds = [sub1.id, allow.id];
    const markers = async () =>
      (await sql.query('SELECT event_id::text, outgoing, processed_at FROM broker.processed_events WHERE event_id = ANY($1::uuid[]) ORDER BY event_id', [processedIds])).rows;
    const totals = async () =>
      (await sql.query(`SELECT (SELECT count(*)::int FROM broker.grants) AS g, (SELECT count(*)::int FROM broker.intents) AS i,
        (SELECT count(*)::int FROM broker.processed_events) AS p`)).rows[0] as { g: number; i: number; p: number };
    const before = await expectEventually(async () => {
      const m = await markers();
      expect(m).toHaveLength(2);
      return m;
    });
    const stored = before.find((m) => m['event_id'] === allow.id)?.['outgoing'] as CountersignEvent[];
    expect(stored.map((e) => e.type)).toEqual(['grant.issued']);
    const storedId = stored[0]?.id;
    const grantBefore = await grantRow(i.intentId);

    const seen: CountersignEvent[] = [];
    const sub = nc.subscribe(GrantIssuedV1.subject);
    void (async () => {
      for await (const m of sub) seen.push(m.json<CountersignEvent>());
    })();
    const issueGrants = app.get(IssueGrants);

    // Only processed events: the same grant.issued again (same id), and not one row written.
    const totalsBefore = { ...(await totals()) };
    await issueGrants.execute([sub1, allow]);
    await expectEventually(() => expect(seen.map((e) => e.id)).toEqual([storedId]));
    expect(await totals()).toEqual(totalsBefore);

    // Mixed with fresh ones: the fresh intent gets its grant, the processed ones still nothing new.
    const j = newIntent();
    await issueGrants.execute([allow, submitted(j), classified(j)]);
    const fresh = await grantRow(j.intentId);
    expect(fresh).toBeDefined();
    await expectEventually(() => {
      expect(seen.map((e) => e.id).slice(0, 2)).toEqual([storedId, storedId]);
      expect(seen.slice(2).map((e) => (e.data as { grantId: string }).grantId)).toEqual([fresh?.['id']]);
    });
    sub.unsubscribe();

    // Another hash than the recorded intent's: marked, no grant, and said why; an overtaking event: not marked, retried.
    const wrong = classified({ ...i, hash: 'f'.repeat(64) });
    const ahead = classified(newIntent());
    await expect(issueGrants.execute([wrong, ahead])).rejects.toMatchObject({ code: 'RETRY_LATER', eventIds: [ahead.id] });
    expect(logLines.some((l) => l.includes(wrong.id) && l.includes('another intent hash'))).toBe(true);
    const marked = await sql.query('SELECT event_id::text FROM broker.processed_events WHERE event_id = ANY($1::uuid[])', [[wrong.id, ahead.id]]);
    expect(marked.rows.map((r) => r['event_id'])).toEqual([wrong.id]);
    totalsBefore.p += 1;

    expect(await markers()).toEqual(before);
    expect(await grantRow(i.intentId)).toEqual(grantBefore);
    const after = await totals();
    expect(after).toEqual({ g: totalsBefore.g + 1, i: totalsBefore.i + 1, p: totalsBefore.p + 2 });
  });

  it('refuses a claim without a token (401), without the scope (403), by another identity (403), for no grant (404), with a bad body (400)', async () => {
    const i = await allowedIntent();
    const missing = await post('/v1/grants/claim', { intentId: i.intentId });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="countersign"/);
    expect((await claim(i.intentId, noScope)).body).toEqual({ error: { code: 'SCOPE_MISSING', message: expect.any(String) } });
    const other = await claim(i.intentId, stranger);
    expect([other.status, other.body['error'].code]).toEqual([403, 'NOT_GRANT_REQUESTER']);
    const none = await claim(uuidv7());
    expect([none.status, none.body['error'].code]).toEqual([404, 'GRANT_NOT_FOUND']);
    const bad = await post('/v1/grants/claim', { intentId: 'nope' }, await issuer.mint(requester));
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'intentId' }] });
    const notJson = await post('/v1/grants/claim', '{', await issuer.mint(requester));
    expect(notJson.status).toBe(400);
    const huge = await post('/v1/grants/claim', { intentId: i.intentId, pad: 'x'.repeat(20_000) }, await issuer.mint(requester));
    expect([huge.status, huge.body['error']?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await grantRow(i.intentId))!['state']).toBe('issued');
  });

  it('lets the requester claim once; the grant verifies against the JWKS; a second claim is 409', async () => {
    const i = await allowedIntent();
    const first = await claim(i.intentId);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const row = await grantRow(i.intentId);
    expect(first.body).toEqual({ grant: expect.any(String), expiresAt: (row!['expires_at'] as Date).toISOString(), audience: 'db-proxy', jti: row!['jti'] });
    expect(row).toMatchObject({ state: 'claimed', kid: expect.any(String), token_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([row!['kid']]);
    const { payload } = await jwtVerify(first.body['grant'] as string, createLocalJWKSet(jwks as never), { issuer: 'urn:countersign:broker', audience: 'db-proxy' });
    expect(payload).toMatchObject({ sub: 'ci-deployer', jti: row!['jti'], intent_id: i.intentId, intent_hash: i.hash, action: 'db.export', resource: i.intent.resource });

    const second = await claim(i.intentId);
    expect([second.status, second.body['error'].code]).toEqual([409, 'GRANT_ALREADY_CLAIMED']);
  });

  it('redeems a grant exactly once under 50 concurrent attempts', async () => {
    const i = await allowedIntent();
    const grant = (await claim(i.intentId)).body['grant'] as string;
    const results = await Promise.all(Array.from({ length: 50 }, () => post('/v1/grants/redeem', { grant, audience: 'db-proxy' })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body).toEqual({ intentId: i.intentId, action: 'db.export', resource: i.intent.resource, intentHash: i.hash });
    expect(results.filter((r) => r.status === 409 && r.body['error'].code === 'GRANT_ALREADY_USED')).toHaveLength(49);
    expect((await grantRow(i.intentId))!['state']).toBe('redeemed');
    await expectEventually(async () => {
      const redeemed = (await streamEvents()).filter((m) => m.event.type === 'grant.redeemed' && m.event.intentId === i.intentId);
      expect(redeemed).toHaveLength(1);
    });
  });

  it('refuses a tampered grant (401) and another audience (403), and keeps the grant usable', async () => {
    const i = await allowedIntent();
    const grant = (await claim(i.intentId)).body['grant'] as string;
    const [h, p, s] = grant.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, action: 'db.drop' })).toString('base64url')}.${s}`;
    const forged = await post('/v1/grants/redeem', { grant: tampered, audience: 'db-proxy' });
    expect([forged.status, forged.body['error'].code]).toEqual([401, 'GRANT_INVALID']);
    const wrongAud = await post('/v1/grants/redeem', { grant, audience: 'billing-api' });
    expect([wrongAud.status, wrongAud.body['error'].code]).toEqual([403, 'AUDIENCE_MISMATCH']);
    expect((await post('/v1/grants/redeem', { grant, audience: 'db-proxy' })).status).toBe(200);
  });

  it('expires unused and unclaimed grants: redeem/claim refused, the sweeper publishes grant.expired once', async () => {
    const unused = await allowedIntent();
    const grant = (await claim(unused.intentId)).body['grant'] as string;
    const unclaimed = await allowedIntent();
    try {
      clock.offsetMs = 61_000; // past the 60 s use TTL
      const late = await post('/v1/grants/redeem', { grant, audience: 'db-proxy' });
      expect([late.status, late.body['error'].code]).toEqual([401, 'GRANT_TOKEN_EXPIRED']);
      clock.offsetMs = 301_000; // past the 300 s claim window
      const tooLate = await claim(unclaimed.intentId);
      expect([tooLate.status, tooLate.body['error'].code]).toEqual([410, 'GRANT_CLAIM_EXPIRED']);

      const sweep = app.get(SweepExpiredGrants);
      const [a, b] = await Promise.all([sweep.execute(), sweep.execute()]);
      expect(a + b).toBeGreaterThanOrEqual(2);
      expect(await sweep.execute()).toBe(0);
      const expiredRows = await sql.query(`SELECT count(*)::int AS n FROM broker.grants WHERE state = 'expired'`);
      expect(expiredRows.rows[0].n).toBe(a + b);
      expect((await grantRow(unused.intentId))!['state']).toBe('expired');
      expect((await grantRow(unclaimed.intentId))!['state']).toBe('expired');
      await expectEventually(async () => {
        const expired = (await streamEvents()).map((m) => m.event).filter((e) => e.type === 'grant.expired');
        expect(expired.filter((e) => e.intentId === unused.intentId).map((e) => e.data)).toEqual([expect.objectContaining({ stage: 'unused' })]);
        expect(expired.filter((e) => e.intentId === unclaimed.intentId).map((e) => e.data)).toEqual([expect.objectContaining({ stage: 'unclaimed' })]);
      });
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('republishes an outbox event that a crash left unpublished', async () => {
    const i = await allowedIntent();
    const row = (await grantRow(i.intentId))!;
    const event = createEvent(GrantRevokedV1, {
      id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: { kind: 'service', id: 'broker' },
      data: { grantId: row['id'] as string, jti: row['jti'] as string, intentHash: i.hash, reason: 'test' },
    });
    await sql.query(`INSERT INTO broker.outbox (event_id, event, created_at) VALUES ($1, $2, now() - interval '10 seconds')`, [event.id, JSON.stringify(event)]);
    await expectEventually(async () => {
      expect((await streamEvents()).some((m) => m.event.id === event.id)).toBe(true);
      const r = await sql.query('SELECT published_at FROM broker.outbox WHERE event_id = $1', [event.id]);
      expect(r.rows[0].published_at).toBeInstanceOf(Date);
    });
  });

  it('never lets a grant reach the stream, the database or the logs', async () => {
    expect(minted.length).toBeGreaterThanOrEqual(4);
    await expectEventually(async () => {
      const r = await sql.query('SELECT count(*)::int AS n FROM broker.outbox WHERE published_at IS NULL');
      expect(r.rows[0].n).toBe(0);
    });
    const messages = await streamEvents();
    expect(messages.some((m) => m.event.type === 'grant.claimed')).toBe(true);
    const tables = await sql.query(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const logs = logLines.join('');
    for (const token of minted) {
      const signature = token.split('.')[2]!;
      for (const m of messages) {
        expect(m.raw.includes(signature) || m.headers.includes(signature)).toBe(false);
      }
      for (const t of tables.rows as Array<{ table_schema: string; table_name: string }>) {
        const hit = await sql.query(`SELECT count(*)::int AS n FROM "${t.table_schema}"."${t.table_name}" x WHERE strpos(x::text, $1) > 0`, [signature]);
        expect(hit.rows[0].n, `${t.table_schema}.${t.table_name}`).toBe(0);
      }
      expect(logs.includes(signature)).toBe(false);
    }
  });
});
