import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';
import { call, waitForState, type IntentView } from './client.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));

// All five services as separate processes on a private nats-server and a fresh Postgres database:
// the path a pipeline takes, end to end, with nothing in between faked.
let sys: System;
let pipeline: string;
let auditor: string;

interface AuditEvent {
  seq: number;
  type: string;
  intentId: string | null;
  payload: unknown;
}

async function auditTrail(intentId: string): Promise<AuditEvent[]> {
  const reply = await call<{ events: AuditEvent[] }>('GET', `${sys.urls.audit}/v1/audit/events?intentId=${intentId}&limit=100`, {
    token: auditor,
  });
  expect(reply.status).toBe(200);
  return reply.body.events;
}

async function submit(body: Record<string, unknown>, token = pipeline) {
  return call<IntentView & { links: Record<string, string> }>('POST', `${sys.urls.intake}/v1/intents`, { token, body });
}

beforeAll(async () => {
  // Debug logs: the leak check below is only worth something when the services say a lot.
  sys = await startSystem({ env: { LOG_LEVEL: 'debug' } });
  pipeline = await sys.token('ci-deployer');
  auditor = await sys.token('carol');
});
afterAll(async () => {
  await sys?.stop();
});

describe('an allowed intent', () => {
  let intent: IntentView;
  let grant: string;

  it('is classified, granted, claimed once and redeemed once', async () => {
    const submitted = await submit({
      action: 'db.query',
      resource: { kind: 'db', id: 'orders', env: 'staging' },
      args: { sql: 'select count(*) from orders' },
      justification: 'nightly reconciliation',
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body.state).toBe('submitted');

    intent = await waitForState(sys.urls.intake, pipeline, submitted.body.id, ['granted']);
    expect(intent.decision).toBe('allow');
    expect(intent.grant?.jti).toMatch(/^[0-9a-f-]{36}$/);

    const claim = await call<{ grant: string; audience: string; expiresAt: string }>('POST', `${sys.urls.broker}/v1/grants/claim`, {
      token: pipeline,
      body: { intentId: intent.id },
    });
    expect(claim.status).toBe(200);
    grant = claim.body.grant;
    expect(claim.body.audience).toBe('db:staging/orders');

    const secondClaim = await call('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: intent.id } });
    expect(secondClaim.status).toBe(409);

    const redeem = await call<{ intentId: string; intentHash: string }>('POST', `${sys.urls.broker}/v1/grants/redeem`, {
      body: { grant, audience: 'db:staging/orders' },
    });
    expect(redeem.status).toBe(200);
    expect(redeem.body).toMatchObject({ intentId: intent.id, intentHash: intent.intentHash });

    const secondRedeem = await call('POST', `${sys.urls.broker}/v1/grants/redeem`, { body: { grant, audience: 'db:staging/orders' } });
    expect(secondRedeem.status).toBe(409);

    await waitForState(sys.urls.intake, pipeline, intent.id, ['redeemed']);
  });

  it('leaves every step in the audit log, and never the grant itself', async () => {
    const events = await expectEventually(async () => {
      const trail = await auditTrail(intent.id);
      expect(trail.map((e) => e.type)).toEqual(
        expect.arrayContaining(['intent.submitted', 'intent.classified', 'grant.issued', 'grant.claimed', 'grant.redeemed']),
      );
      return trail;
    });
    expect(JSON.stringify(events)).not.toContain(grant);
    expect(JSON.stringify(events)).not.toContain(grant.split('.')[2]);
  });

  it('never writes the grant or a bearer token to any service log', async () => {
    for (const svc of ['intake', 'policy', 'notifier', 'broker', 'audit'] as const) {
      const lines = sys.output(svc).join('\n');
      expect(lines.length, `${svc} printed nothing at all`).toBeGreaterThan(0);
      expect(lines).not.toContain(grant.split('.')[2]);
      expect(lines).not.toContain(pipeline.split('.')[2]);
    }
  });

  it('refuses a grant presented to another audience', async () => {
    const other = await submit({
      action: 'db.query',
      resource: { kind: 'db', id: 'invoices', env: 'dev' },
      justification: 'debugging',
    });
    const view = await waitForState(sys.urls.intake, pipeline, other.body.id, ['granted']);
    const claim = await call<{ grant: string }>('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: view.id } });
    expect(claim.status).toBe(200);
    const wrong = await call('POST', `${sys.urls.broker}/v1/grants/redeem`, { body: { grant: claim.body.grant, audience: 'db:prod/invoices' } });
    expect(wrong.status).toBe(403);
    const claimByOther = await call('POST', `${sys.urls.broker}/v1/grants/claim`, {
      token: await sys.token('support-agent'),
      body: { intentId: view.id },
    });
    expect(claimByOther.status).toBe(403);
  });
});

describe('a denied intent', () => {
  it('ends as denied with the rule and reason, and gets no grant', async () => {
    const submitted = await submit({
      action: 'db.drop_table',
      resource: { kind: 'db', id: 'customers', env: 'prod' },
      justification: 'cleanup',
    });
    expect(submitted.status).toBe(202);
    const view = await waitForState(sys.urls.intake, pipeline, submitted.body.id, ['denied']);
    expect(view.decision).toBe('deny');
    expect(view.ruleIds?.length).toBeGreaterThan(0);
    expect(view.reasons?.join(' ')).not.toBe('');
    const claim = await call('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: view.id } });
    expect(claim.status).toBe(404);
  });
});

describe('an intent that needs review', () => {
  const secrets = ['correct horse battery staple', 'dpo@example.com'];

  it('stays pending_review, its review.requested event is in audit, and no secret is anywhere in the trail', async () => {
    const submitted = await submit({
      action: 'db.export',
      resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
      args: { table: 'customers', format: 'csv', auth: { password: secrets[0] } },
      justification: `regulator request 2026-114, copy to ${secrets[1]}`,
    });
    const view = await waitForState(sys.urls.intake, pipeline, submitted.body.id, ['pending_review']);
    expect(view.decision).toBe('review');
    const trail = await expectEventually(async () => {
      const events = await auditTrail(view.id);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['intent.submitted', 'intent.classified', 'review.requested']));
      return events;
    });
    for (const secret of secrets) expect(JSON.stringify(trail)).not.toContain(secret);
    for (const svc of ['policy', 'notifier', 'audit'] as const) {
      for (const secret of secrets) expect(sys.output(svc).join('\n')).not.toContain(secret);
    }
    // Waiting is not a decision: a short long-poll comes back still pending.
    const again = await call<IntentView>('GET', `${sys.urls.intake}/v1/intents/${view.id}?wait=1&state=pending_review`, { token: pipeline });
    expect(again.body.state).toBe('pending_review');
  });

  it('can be explained beforehand with the countersign CLI against the running policy service', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-explain-'));
    try {
      const file = join(dir, 'intent.json');
      await writeFile(
        file,
        JSON.stringify({
          action: 'k8s.rolebinding.create',
          resource: { kind: 'k8s', id: 'payments/deployer', env: 'prod' },
          args: { role: 'edit' },
          justification: 'deployer needs configmaps',
        }),
      );
      const { stdout } = await run(process.execPath, [CLI, 'policy', 'explain', '--url', sys.urls.policy, '--intent', file, '--json'], {
        env: { ...process.env, COUNTERSIGN_TOKEN: pipeline },
      });
      const explanation = JSON.parse(stdout) as { decision: string; review: { stepUp: boolean }; masked: { intent: { requester: { subject: string } } } };
      expect(explanation).toMatchObject({ decision: 'review', review: { stepUp: true } });
      expect(explanation.masked.intent.requester.subject).toBe('ci-deployer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('tokens', () => {
  const body = { action: 'db.query', resource: { kind: 'db', id: 'orders', env: 'dev' }, justification: 'x' };

  it('refuses a missing, forged, expired or wrong-audience token with 401', async () => {
    const forged = await sys.forgedToken('ci-deployer');
    const expired = await sys.token('ci-deployer', { ttlSeconds: -120 });
    const wrongAudience = await sys.token('ci-deployer', { audience: 'someone-else' });
    for (const token of [undefined, forged, expired, wrongAudience, 'not-a-jwt']) {
      const reply = await call<{ error: { code: string } }>('POST', `${sys.urls.intake}/v1/intents`, { token, body });
      expect(reply.status, `token ${token?.slice(0, 12)}`).toBe(401);
      expect(reply.body.error.code).toMatch(/^TOKEN_|^ISSUER_|^AUDIENCE_/);
    }
  });

  it('answers 400 naming the bad field, and never trusts a requester in the body', async () => {
    const bad = await call<{ error: { issues: Array<{ path: string }> } }>('POST', `${sys.urls.intake}/v1/intents`, {
      token: pipeline,
      body: { ...body, resource: { kind: 'db', id: 'orders', env: 'PROD!' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i) => i.path)).toContain('resource.env');
    const forgedRequester = await call('POST', `${sys.urls.intake}/v1/intents`, {
      token: pipeline,
      body: { ...body, requester: { subject: 'alice' } },
    });
    expect(forgedRequester.status).toBe(400);
  });
});
