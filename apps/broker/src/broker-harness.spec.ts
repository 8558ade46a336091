// Shared set-up of the broker's integration tests (not a test file itself: vitest runs *.unit.spec.ts and
// *.int.spec.ts). Its own nats-server and database, the service built as main.ts builds it, a clock
// tests can move, and every log line kept so that tests can look for leaked secrets.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createEvent,
  IntentClassifiedV1,
  IntentSubmittedV1,
  STREAM_NAME,
  type CountersignEvent,
  type GrantTerms,
  type Intent,
} from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { DEV_ISSUER, DevIssuer, type DemoIdentity } from '@countersign/platform/auth';
import { Ed25519Key } from '@countersign/platform/crypto';
import { applyMigrations } from '@countersign/platform/db';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { Clock } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type TestDatabase } from '@countersign/testing';
import { ownerSigner, testEventKeys } from '@countersign/platform/event-keys';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import { createBrokerApp } from './bootstrap.js';
import { loadBrokerConfig } from './config.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

export class MovableClock extends Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export const requester: DemoIdentity = { name: 'ci-deployer', kind: 'pipeline', groups: ['pipelines'], owner: 'alice', scopes: ['intents:write', 'grants:claim'] };
export const stranger: DemoIdentity = { name: 'support-agent', kind: 'agent', groups: [], owner: 'bob', scopes: ['grants:claim'] };
export const terms: GrantTerms = { audience: 'db-proxy', claimTtlSeconds: 300, useTtlSeconds: 60 };
const policyActor = { kind: 'service' as const, id: 'policy' };

export interface TestIntent {
  intentId: string;
  intent: Intent;
  hash: string;
}

export interface IntentShape {
  who?: DemoIdentity;
  action?: string;
  resource?: Intent['resource'];
  args?: Intent['args'];
}

export interface HarnessOptions {
  name: string;
  /** Broker variables on top of the harness's (NATS, database, dev issuer, one key file). */
  env?: Record<string, string>;
  /** BROKER_SIGNING_KEYS_DIR (`<dir>/keys`, one key `first.pem`) instead of BROKER_SIGNING_KEY_FILE. */
  keyDir?: boolean;
}

export interface BrokerHarness {
  dir: string;
  /** The signing key file or directory. */
  keys: string;
  base: string;
  app: NestExpressApplication;
  sql: pg.Client;
  db: TestDatabase;
  nc: NatsConnection;
  publisher: EventPublisher;
  issuer: DevIssuer;
  clock: MovableClock;
  logLines: string[];
  logger: Logger;
  /** Stops the app and builds a new one on the same database, NATS, keys and configuration. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startBroker(opts: HarnessOptions): Promise<BrokerHarness> {
  const [nats, db, dir] = await Promise.all([startNatsServer(), createTestDatabase(`cs_${opts.name}`), mkdtemp(join(tmpdir(), `cs-${opts.name}-`))]);
  await applyMigrations(db.url);
  const issuer = await DevIssuer.loadOrCreate(join(dir, 'dev-issuer'));
  const keys = opts.keyDir ? join(dir, 'keys') : join(dir, 'broker-signing.pem');
  if (opts.keyDir) await mkdir(keys, { mode: 0o700 });
  await writeFile(opts.keyDir ? join(keys, 'first.pem') : keys, Ed25519Key.generate().toPem(), { mode: 0o600 });
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    DEV_ISSUER_ENABLED: 'true',
    DEV_ISSUER_JWKS_FILE: issuer.jwksFile!,
    // Jobs run by hand in tests, so that moving the clock is deterministic; the outbox relay keeps its timer.
    BROKER_SWEEP_INTERVAL_MS: '3600000',
    BROKER_CREDENTIAL_INTERVAL_MS: '3600000',
    BROKER_STRAY_SWEEP_INTERVAL_MS: '3600000',
    BROKER_OUTBOX_INTERVAL_MS: '500',
    ...(opts.keyDir ? { BROKER_SIGNING_KEYS_DIR: keys } : { BROKER_SIGNING_KEY_FILE: keys }),
    ...opts.env,
  };
  const config = loadBrokerConfig(env);
  const logLines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) });
  const logger = pino({ level: 'debug' }, sink);
  const clock = new MovableClock();
  const start = async () => {
    const app = await createBrokerApp({ config, logger, clock });
    await app.listen(0, '127.0.0.1');
    return app;
  };
  const nc = await connectNats({ url: nats.url, name: `${opts.name}-test` });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const h: BrokerHarness = {
    dir,
    keys,
    app: await start(),
    base: '',
    sql,
    db,
    nc,
    publisher: new EventPublisher(nc, logger, ownerSigner()),
    issuer,
    clock,
    logLines,
    logger,
    restart: async () => {
      await h.app.close();
      h.app = await start();
      h.base = await h.app.getUrl();
    },
    close: async () => {
      await h.app?.close();
      await nc.drain();
      await sql.end();
      await Promise.all([nats.stop(), db.drop(), rm(dir, { recursive: true, force: true })]);
    },
  };
  h.base = await h.app.getUrl();
  return h;
}

export function newIntent(shape: IntentShape = {}): TestIntent {
  const who = shape.who ?? requester;
  const intent: Intent = {
    action: shape.action ?? 'db.export',
    resource: shape.resource ?? { kind: 'db', id: `customers-${uuidv7().slice(-6)}`, env: 'prod', tags: ['pii'] },
    args: shape.args ?? { format: 'csv' },
    justification: 'quarterly report',
    requester: { kind: who.kind, subject: who.name, issuer: DEV_ISSUER, groups: who.groups, ...(who.owner ? { owner: who.owner } : {}) },
  };
  return { intentId: uuidv7(), intent, hash: intentHash(intent) };
}

export function submitted(i: TestIntent) {
  return createEvent(IntentSubmittedV1, {
    id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: { kind: 'pipeline', id: i.intent.requester.subject, issuer: DEV_ISSUER },
    data: { intent: i.intent, intentHash: i.hash },
  });
}

export function classified(i: TestIntent, decision: 'allow' | 'deny' = 'allow', grant: GrantTerms = terms) {
  return createEvent(IntentClassifiedV1, {
    id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor,
    data: { intentHash: i.hash, decision, policyVersion: 'e'.repeat(64), ruleIds: ['r1'], reasons: ['ok'], grant },
  });
}

export async function grantRow(h: BrokerHarness, intentId: string): Promise<Record<string, unknown> | undefined> {
  const r = await h.sql.query('SELECT * FROM broker.grants WHERE intent_id = $1', [intentId]);
  return r.rows[0] as Record<string, unknown> | undefined;
}

/** Publishes submitted + classified(allow) and waits for the grant row. */
export async function allowedIntent(h: BrokerHarness, shape: IntentShape = {}, grant: GrantTerms = terms): Promise<TestIntent> {
  const i = newIntent(shape);
  await h.publisher.publishAll([submitted(i), classified(i, 'allow', grant)]);
  await expectEventually(async () => expect(await grantRow(h, i.intentId)).toBeDefined());
  return i;
}

export async function streamEvents(h: BrokerHarness): Promise<Array<{ event: CountersignEvent; raw: string; headers: string }>> {
  const jsm = await jetstreamManager(h.nc);
  const info = await jsm.streams.info(STREAM_NAME);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq });
    if (!m) continue;
    out.push({ event: m.json<CountersignEvent>(), raw: m.string(), headers: m.header ? JSON.stringify([...m.header]) : '' });
  }
  return out;
}

export interface Answer {
  status: number;
  // Response bodies of many shapes, asserted field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: Record<string, any>;
  headers: Headers;
}

export async function post(h: BrokerHarness, path: string, body: unknown, token?: string): Promise<Answer> {
  const res = await fetch(`${h.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'], headers: res.headers };
}

export async function claim(h: BrokerHarness, intentId: string, who: DemoIdentity = requester): Promise<Answer> {
  return post(h, '/v1/grants/claim', { intentId }, await h.issuer.mint(who));
}

export function redeem(h: BrokerHarness, grant: string, audience = terms.audience): Promise<Answer> {
  return post(h, '/v1/grants/redeem', { grant, audience });
}

/** Every place a secret must never reach: every table of the database, the stream, the logs. */
export async function findLeaks(h: BrokerHarness, secrets: readonly string[], opts: { exceptTables?: string[] } = {}): Promise<string[]> {
  const found: string[] = [];
  const messages = await streamEvents(h);
  const tables = await h.sql.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const logs = h.logLines.join('');
  for (const secret of secrets) {
    if (messages.some((m) => m.raw.includes(secret) || m.headers.includes(secret))) found.push(`stream: ${secret}`);
    if (logs.includes(secret)) found.push(`logs: ${secret}`);
    for (const t of tables.rows) {
      const name = `${t.table_schema}.${t.table_name}`;
      if (opts.exceptTables?.includes(name)) continue;
      const hit = await h.sql.query(`SELECT count(*)::int AS n FROM "${t.table_schema}"."${t.table_name}" x WHERE strpos(x::text, $1) > 0`, [secret]);
      if (hit.rows[0].n > 0) found.push(`${name}: ${secret}`);
    }
  }
  return found;
}
