import { ownerSigner, testEventKeys } from '@countersign/platform/event-keys';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createEvent, IntentClassifiedV1, IntentWithdrawnV1, type CountersignEvent } from '@countersign/contracts';
import { DevIssuer, type DemoIdentity } from '@countersign/platform/auth';
import { applyMigrations } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeApp } from '../../bootstrap.js';
import { IntakeConfigSchema } from '../../config.js';

// POST /v1/intents/:id/withdraw against a real intake, NATS and Postgres; policy's and the broker's
// events are published by the test where a rule needs a decided intent.
const logger = createLogger('withdraw-test', 'silent');
const person = (name: string, groups: string[], scopes: string[], kind: DemoIdentity['kind'] = 'user'): DemoIdentity => ({ name, kind, groups, scopes });
const requester = person('ci-deployer', ['pipelines'], ['intents:write'], 'pipeline');
const stranger = person('other-pipeline', ['pipelines'], ['intents:write'], 'pipeline');
const auditor = person('audrey', ['auditors'], ['intents:write']);
let nats: RunningNats;
let db: TestDatabase;
let dir: string;
let issuer: DevIssuer;
let app: INestApplication;
let base: string;
let nc: NatsConnection;
const withdrawals: CountersignEvent[] = [];

async function call(method: 'GET' | 'POST', path: string, who: DemoIdentity | null, body?: unknown) {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (who) headers['authorization'] = `Bearer ${await issuer.mint(who)}`;
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; issues?: Array<{ path: string }> } } };
}

async function submit(): Promise<{ id: string; intentHash: string }> {
  const body = { action: 'db.export', resource: { kind: 'db', id: 'customers', env: 'prod' }, args: { table: 'customers' }, justification: 'report' };
  const res = await call('POST', '/v1/intents', requester, body);
  expect(res.status).toBe(202);
  return res.body as { id: string; intentHash: string };
}

beforeAll(async () => {
  // Writes every service's event key and sets the variables intake's ring reads at boot.
  testEventKeys();
  [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('cs_withdraw')]);
  await applyMigrations(db.url);
  dir = await mkdtemp(join(tmpdir(), 'cs-withdraw-'));
  issuer = await DevIssuer.loadOrCreate(dir);
  const config = IntakeConfigSchema.parse({
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    DEV_ISSUER_ENABLED: 'true',
    DEV_ISSUER_JWKS_FILE: join(dir, 'jwks.json'),
  });
  app = await createIntakeApp(config, logger);
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  nc = await connect({ servers: nats.url });
  const sub = nc.subscribe(IntentWithdrawnV1.subject);
  void (async () => {
    for await (const m of sub) withdrawals.push(m.json<CountersignEvent>());
  })();
});

afterAll(async () => {
  await app?.close();
  await nc?.close();
  await nats?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('POST /v1/intents/:id/withdraw', () => {
  it('withdraws an undecided intent of the caller: 200 withdrawn, one intent.withdrawn by the requester, a repeat changes nothing', async () => {
    const { id } = await submit();
    const res = await call('POST', `/v1/intents/${id}/withdraw`, requester, { reason: 'no longer needed' });
    expect(res).toMatchObject({ status: 200, body: { id, state: 'withdrawn' } });
    expect((await call('GET', `/v1/intents/${id}`, requester)).body['state']).toBe('withdrawn');
    const mine = () => withdrawals.filter((e) => e.intentId === id);
    await expectEventually(() => expect(mine()).toHaveLength(1));
    expect(mine()[0]).toMatchObject({ actor: { kind: 'pipeline', id: 'ci-deployer', issuer: 'urn:countersign:dev-issuer' }, data: { reason: 'no longer needed' } });
    expect(await call('POST', `/v1/intents/${id}/withdraw`, requester, {})).toMatchObject({ status: 200, body: { state: 'withdrawn' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(mine()).toHaveLength(1);
  });

  it('lets only the requester withdraw: another pipeline gets 404 (as for GET), an auditor who may read it 403 NOT_REQUESTER, no token 401', async () => {
    const { id } = await submit();
    expect((await call('POST', `/v1/intents/${id}/withdraw`, stranger, {})).status).toBe(404);
    expect(await call('POST', `/v1/intents/${id}/withdraw`, auditor, {})).toMatchObject({ status: 403, body: { error: { code: 'NOT_REQUESTER' } } });
    expect((await call('POST', `/v1/intents/${id}/withdraw`, null, {})).status).toBe(401);
    expect((await call('GET', `/v1/intents/${id}`, requester)).body['state']).toBe('submitted');
    expect(withdrawals.filter((e) => e.intentId === id)).toHaveLength(0);
  });

  it('answers 409 INTENT_DECIDED once the intent is decided, and publishes nothing', async () => {
    const { id, intentHash } = await submit();
    const ids = new UuidV7Generator();
    await new EventPublisher(nc, logger, ownerSigner()).publish(
      createEvent(IntentClassifiedV1, {
        id: ids.next(),
        occurredAt: new Date(),
        intentId: id,
        actor: { kind: 'service', id: 'policy' },
        data: { intentHash, decision: 'allow', policyVersion: 'b'.repeat(64), ruleIds: ['allow-all'], reasons: [] },
      }),
    );
    await expectEventually(async () => expect((await call('GET', `/v1/intents/${id}`, requester)).body['state']).toBe('allowed'));
    expect(await call('POST', `/v1/intents/${id}/withdraw`, requester, {})).toMatchObject({ status: 409, body: { error: { code: 'INTENT_DECIDED' } } });
    expect(withdrawals.filter((e) => e.intentId === id)).toHaveLength(0);
  });

  it('refuses a bad id, an unknown body field and an over-long reason with 400 naming the field', async () => {
    expect((await call('POST', '/v1/intents/not-a-uuid/withdraw', requester, {})).status).toBe(400);
    const { id } = await submit();
    const unknown = await call('POST', `/v1/intents/${id}/withdraw`, requester, { state: 'approved' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.issues?.map((i) => i.path)).toEqual(['state']);
    const long = await call('POST', `/v1/intents/${id}/withdraw`, requester, { reason: 'x'.repeat(2001) });
    expect(long.body.error?.issues?.map((i) => i.path)).toEqual(['reason']);
  });
});
