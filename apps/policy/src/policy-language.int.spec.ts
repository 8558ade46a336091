import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  IntentSubmittedV1,
  type CountersignEvent,
  type EventOf,
  type Intent,
  type IntentClassifiedV1,
  type PolicyActivatedV1,
  type PolicyRejectedV1,
  type ReviewRequestedV1,
} from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import type { DemoIdentity } from '@countersign/platform/auth';
import { EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { expectEventually } from '@countersign/testing';
import { ownerSigner } from '@countersign/platform/event-keys';
import { startPolicyHarness, type PolicyHarness } from './policy-harness.spec.js';

const ids = new UuidV7Generator();

const alice: DemoIdentity = { name: 'alice', kind: 'user', groups: ['platform'], scopes: ['intents:write', 'policy:explain'] };
const mallory: DemoIdentity = { name: 'mallory', kind: 'user', groups: [], scopes: [] };

type Classified = EventOf<typeof IntentClassifiedV1>;
type Requested = EventOf<typeof ReviewRequestedV1>;
type Activated = EventOf<typeof PolicyActivatedV1>;
type Rejected = EventOf<typeof PolicyRejectedV1>;

describe('policy language in the running service (real NATS + Postgres, a policy directory on disk)', () => {
  let h: PolicyHarness;
  const ofType = <T extends CountersignEvent>(type: string) => h.seen.filter((e) => e.type === type) as T[];
  const classifiedFor = (intentId: string) => ofType<Classified>('intent.classified').filter((e) => e.intentId === intentId);

  beforeAll(async () => {
    h = await startPolicyHarness({ database: 'cs_policy_lang', env: { POLICY_RELOAD_INTERVAL_MS: '200' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  function submitted(intent: Omit<Intent, 'requester'>) {
    const full: Intent = {
      ...intent,
      requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:test', groups: ['pipelines'], owner: 'alice' },
    };
    return createEvent(IntentSubmittedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: 'pipeline', id: 'ci-deployer', issuer: 'urn:test' },
      data: { intent: full, intentHash: intentHash(full) },
    });
  }

  const devQuery = () =>
    submitted({ action: 'db.query', resource: { kind: 'db', id: 'orders', env: 'dev', tags: [] }, args: {}, justification: 'check' });

  async function explain(body: unknown, who?: DemoIdentity, raw?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (who) headers['authorization'] = `Bearer ${await h.issuer.mint(who)}`;
    const res = await fetch(`${h.baseUrl}/v1/policy/explain`, { method: 'POST', headers, body: raw ?? JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  let bootVersion: string;

  it('announces the version it booted with', async () => {
    const [activated] = await expectEventually(() => {
      const events = ofType<Activated>('policy.activated');
      expect(events).toHaveLength(1);
      return events;
    });
    expect(activated!.data).toMatchObject({ previousVersion: null, files: ['00-settings.yaml', '10-data.yaml', '20-access.yaml', '30-infra.yaml'] });
    expect(activated!.intentId).toBeNull();
    bootVersion = activated!.data.policyVersion;
  });

  it('masks secrets and personal data before anything is published for reviewers', async () => {
    const secrets = ['hunter2hunter2', 'correct horse battery staple', 'jane.doe@example.com', 'AKIAIOSFODNN7EXAMPLE'];
    const event = submitted({
      action: 'db.export',
      resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] },
      args: {
        table: 'orders',
        connectionString: 'postgres://report:hunter2hunter2@db.internal:5432/orders',
        auth: { password: 'correct horse battery staple' },
        note: 'key AKIAIOSFODNN7EXAMPLE found in the old job',
      },
      justification: 'finance asked; contact jane.doe@example.com',
    });
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(event);
    const out = await expectEventually(() => {
      const events = h.seen.filter((e) => e.intentId === event.intentId && e.type !== 'intent.submitted');
      expect(events.map((e) => e.type)).toEqual(['intent.classified', 'review.requested']);
      return events as [Classified, Requested];
    });
    const [classified, requested] = out;
    for (const e of out) for (const secret of secrets) expect(JSON.stringify(e)).not.toContain(secret);
    expect(requested.data.intent.args['table']).toBe('orders');
    expect(requested.data.masked.map((m) => m.path)).toEqual(
      expect.arrayContaining(['args.auth.password', 'args.connectionString', 'args.note', 'justification']),
    );
    expect(requested.data.ruleIds).toEqual(['review-db-export-prod']);
    expect(classified.data.masked?.intent).toEqual(requested.data.intent);
    // What reviewers see is a keyed hash: stable for equal values, so two requests can be compared.
    const again = submitted({ ...event.data.intent, justification: 'again; contact jane.doe@example.com' });
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(again);
    const second = await expectEventually(() => {
      const [c] = classifiedFor(again.intentId!);
      expect(c).toBeDefined();
      return c!;
    });
    expect(second.data.masked?.intent.args['auth']).toEqual(classified.data.masked?.intent.args['auth']);
  });

  it('reloads a changed policy while intents flow: each intent decided once, by the version in force', async () => {
    const publisher = new EventPublisher(h.nc, h.logger, ownerSigner());
    const flow: ReturnType<typeof devQuery>[] = [];
    let changed = false;
    const started = Date.now();
    while (Date.now() - started < 2_500) {
      const e = devQuery();
      flow.push(e);
      await publisher.publish(e);
      if (!changed && Date.now() - started > 800) {
        changed = true;
        await writeFile(
          join(h.policyDir, '40-freeze.yaml'),
          'apiVersion: countersign.dev/v1\nkind: Policy\nrules:\n  - id: freeze-dev-queries\n    effect: deny\n    match: { action: [db.query], env: [dev] }\n    reason: change freeze\n',
        );
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    const decisions = await expectEventually(() =>
      flow.map((e) => {
        const c = classifiedFor(e.intentId!);
        expect(c).toHaveLength(1);
        return c[0]!.data;
      }),
    );
    const activated = ofType<Activated>('policy.activated');
    expect(activated).toHaveLength(2);
    const newVersion = activated[1]!.data.policyVersion;
    expect(activated[1]!.data).toMatchObject({ previousVersion: bootVersion, files: expect.arrayContaining(['40-freeze.yaml']) });
    for (const d of decisions) {
      expect([bootVersion, newVersion]).toContain(d.policyVersion);
      expect(d.decision).toBe(d.policyVersion === bootVersion ? 'allow' : 'deny');
    }
    // The stream is classified in order, so once the new version decides, the old one never does again.
    const firstNew = decisions.findIndex((d) => d.policyVersion === newVersion);
    expect(firstNew).toBeGreaterThan(0);
    expect(decisions.slice(firstNew).every((d) => d.policyVersion === newVersion)).toBe(true);
    const { rows } = await h.sql.query('SELECT count(*)::int AS n FROM policy.decisions WHERE intent_id = ANY($1::uuid[])', [
      flow.map((e) => e.intentId),
    ]);
    expect(rows[0].n).toBe(flow.length);
  });

  it('refuses an invalid change with every problem, once, and the version in force keeps deciding', async () => {
    const inForce = ofType<Activated>('policy.activated').at(-1)!.data.policyVersion;
    const broken = [
      'apiVersion: countersign.dev/v1',
      'kind: Policy',
      'rules:',
      '  - id: bad-condition',
      '    effect: allow',
      '    match: { action: [db.query] }',
      '    when: "intent.args.rows >"',
      '  - id: bad-field',
      '    effect: deny',
      '    match: { action: [db.query], enviroment: [dev] }',
      '    reason: typo',
      '',
    ].join('\n');
    await writeFile(join(h.policyDir, '50-broken.yaml'), broken);
    const [rejected] = await expectEventually(() => {
      const r = ofType<Rejected>('policy.rejected');
      expect(r).toHaveLength(1);
      return r;
    });
    expect(rejected!.data.inForce).toBe(inForce);
    expect(rejected!.data.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: '50-broken.yaml', ruleId: 'bad-condition', path: 'rules.0.when', message: expect.stringMatching(/CEL/) }),
        expect.objectContaining({ file: '50-broken.yaml', ruleId: 'bad-field', message: expect.stringMatching(/enviroment/) }),
      ]),
    );
    const probe = devQuery();
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(probe);
    const [decided] = await expectEventually(() => {
      const c = classifiedFor(probe.intentId!);
      expect(c).toHaveLength(1);
      return c;
    });
    expect(decided!.data).toMatchObject({ policyVersion: inForce, decision: 'deny', ruleIds: ['allow-db-query-nonprod', 'freeze-dev-queries'] });
    // Writing the same broken content again is not a new refusal.
    await writeFile(join(h.policyDir, '50-broken.yaml'), broken);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ofType<Rejected>('policy.rejected')).toHaveLength(1);
    // Removing it leaves the version in force unchanged: nothing to announce.
    await rm(join(h.policyDir, '50-broken.yaml'));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ofType<Activated>('policy.activated').at(-1)!.data.policyVersion).toBe(inForce);
  });

  describe('POST /v1/policy/explain', () => {
    const k8s = {
      action: 'k8s.rolebinding.create',
      resource: { kind: 'k8s', id: 'payments/deployer', env: 'prod' },
      args: { role: 'edit', token: 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' },
      justification: 'deployer needs configmaps',
    };

    it('explains a decision for the caller, rule by rule, masked, and stores nothing', async () => {
      const before = await h.sql.query('SELECT count(*)::int AS n FROM policy.decisions');
      const eventsBefore = h.seen.length;
      const res = await explain(k8s, alice);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        decision: 'review',
        review: { approverGroups: ['platform', 'security'], quorum: 2, stepUp: true },
        ruleIds: ['review-k8s-privilege-escalation'],
      });
      const rules = res.body['rules'] as Array<{ id: string; applied: boolean; detail: string }>;
      expect(rules.find((r) => r.id === 'review-k8s-privilege-escalation')).toMatchObject({ applied: true });
      expect(rules.find((r) => r.id === 'deny-agent-cluster-admin')).toMatchObject({ applied: false, detail: expect.stringMatching(/requester kind user/) });
      expect(rules.find((r) => r.id === 'review-iam')).toMatchObject({ applied: false, detail: expect.stringMatching(/action k8s.rolebinding.create/) });
      expect(JSON.stringify(res.body)).not.toContain(k8s.args.token);
      expect((res.body['masked'] as { intent: Intent }).intent.requester.subject).toBe('alice');
      await new Promise((r) => setTimeout(r, 300));
      expect((await h.sql.query('SELECT count(*)::int AS n FROM policy.decisions')).rows[0].n).toBe(before.rows[0].n);
      expect(h.seen.slice(eventsBefore).filter((e) => e.type !== 'policy.activated' && e.type !== 'policy.rejected')).toEqual([]);
    });

    it('refuses a missing token, a token without the scope, a requester in the body and bad JSON', async () => {
      expect((await explain(k8s)).status).toBe(401);
      expect(await explain(k8s, mallory)).toMatchObject({ status: 403, body: { error: { code: 'SCOPE_MISSING' } } });
      const spoofed = await explain({ ...k8s, requester: { kind: 'agent', subject: 'x' } }, alice);
      expect(spoofed).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/requester/) } } });
      expect(await explain(undefined, alice, '{')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    });
  });
});
