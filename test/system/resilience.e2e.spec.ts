import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';
import { call, waitForState, type IntentView } from './client.js';

// Services die. JetStream keeps what was published; durable consumers resume where they were;
// handlers are idempotent. So a service killed mid-flow and started again must lose nothing.
let sys: System;
let pipeline: string;
let auditor: string;

beforeAll(async () => {
  sys = await startSystem();
  pipeline = await sys.token('ci-deployer');
  auditor = await sys.token('carol');
});
afterAll(async () => {
  await sys?.stop();
});

async function submitMany(n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const reply = await call<IntentView>('POST', `${sys.urls.intake}/v1/intents`, {
      token: pipeline,
      body: {
        action: 'db.query',
        resource: { kind: 'db', id: `orders-${tag}-${i}`, env: 'staging' },
        args: { sql: `select ${i}` },
        justification: `resilience ${tag}`,
      },
    });
    expect(reply.status).toBe(202);
    ids.push(reply.body.id);
  }
  return ids;
}

describe('a service killed and restarted mid-flow', () => {
  it('policy: intents submitted while it is down are decided after it comes back', async () => {
    await sys.kill('policy', 'SIGKILL');
    const ids = await submitMany(20, 'policy');
    const stuck = await call<IntentView>('GET', `${sys.urls.intake}/v1/intents/${ids[0]}`, { token: pipeline });
    expect(stuck.body.state).toBe('submitted');
    await sys.restart('policy');
    for (const id of ids) await waitForState(sys.urls.intake, pipeline, id, ['granted']);
  });

  it('broker: killed between decisions and grants, it issues every grant exactly once', async () => {
    await sys.kill('broker', 'SIGKILL');
    const ids = await submitMany(10, 'broker');
    for (const id of ids) await waitForState(sys.urls.intake, pipeline, id, ['allowed']);
    await sys.restart('broker');
    const views = await Promise.all(ids.map((id) => waitForState(sys.urls.intake, pipeline, id, ['granted'])));
    expect(new Set(views.map((v) => v.grant?.jti)).size).toBe(ids.length);
  });

  it('audit: events published while it is down are stored once, and the whole chain verifies', async () => {
    await sys.kill('audit', 'SIGKILL');
    const ids = await submitMany(10, 'audit');
    for (const id of ids) await waitForState(sys.urls.intake, pipeline, id, ['granted']);
    await sys.restart('audit');
    for (const id of ids) {
      await expectEventually(async () => {
        const reply = await call<{ events: Array<{ type: string; eventId: string }> }>(
          'GET',
          `${sys.urls.audit}/v1/audit/events?intentId=${id}`,
          { token: auditor },
        );
        const types = reply.body.events.map((e) => e.type);
        expect(types).toEqual(expect.arrayContaining(['intent.submitted', 'intent.classified', 'grant.issued']));
        // Stored once each, however often it was delivered.
        expect(new Set(reply.body.events.map((e) => e.eventId)).size).toBe(reply.body.events.length);
      }, { timeoutMs: 20_000 });
    }
    const verify = await call<{ ok: boolean; count: number }>('GET', `${sys.urls.audit}/v1/audit/verify`, { token: auditor });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    // 40 intents × at least submitted + classified + issued.
    expect(verify.body.count).toBeGreaterThanOrEqual(120);
  });

  it('refuses the audit chain read to someone who is not an auditor', async () => {
    const reply = await call('GET', `${sys.urls.audit}/v1/audit/verify`, { token: pipeline });
    expect(reply.status).toBe(403);
  });
});
