import { ownerSigner } from '@countersign/platform/event-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, type Intent } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { DEV_ISSUER, type DemoIdentity } from '@countersign/platform/auth';
import { EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { expectEventually } from '@countersign/testing';
import { startPolicyHarness, type PolicyHarness } from '../../policy-harness.spec.js';
import type { InboxItem } from './list-reviews.use-case.js';

const ids = new UuidV7Generator();
const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
masking: { paths: [args.password] }
rules:
  - id: export-two-security
    match: { action: [db.export] }
    effect: review
    approvers: [security]
    quorum: 2
  - id: copy
    match: { action: [db.copy] }
    effect: review
    approvers: [security]
  - id: rotate-step-up
    match: { action: [kms.key.rotate] }
    effect: review
    approvers: [platform]
    stepUp: true
`;
const user = (name: string, groups: string[], scopes = ['reviews:vote']): DemoIdentity => ({ name, kind: 'user', groups, scopes });
const bob = user('bob', ['security']);
const dana = user('dana', ['security']);
const alice = user('alice', ['platform']);
const mallory = user('mallory', [], []);
const pipeline: DemoIdentity = { name: 'ci-deployer', kind: 'pipeline', groups: ['pipelines'], owner: 'alice', scopes: ['intents:write'] };
const carol: DemoIdentity = { name: 'carol', kind: 'user', groups: ['auditors'], scopes: ['audit:read'] };

describe('GET /v1/reviews: the inbox, with why a review may not be decided (real NATS + Postgres)', () => {
  let h: PolicyHarness;
  const opened: Record<string, string> = {};

  async function open(action: string, requester: Intent['requester']): Promise<string> {
    const intent: Intent = {
      action,
      resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] },
      args: { password: 'hunter2-secret', n: ids.next() },
      justification: 'inbox test',
      requester,
    };
    const event = createEvent(IntentSubmittedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: requester.kind, id: requester.subject, issuer: DEV_ISSUER },
      data: { intent, intentHash: intentHash(intent) },
    });
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(event);
    return expectEventually(() => {
      const requested = h.seen.find((e) => e.intentId === event.intentId && e.type === 'review.requested') as { data: { reviewId: string } } | undefined;
      expect(requested).toBeDefined();
      return requested!.data.reviewId;
    });
  }

  async function inbox(who: DemoIdentity | undefined, query = '') {
    const res = await fetch(`${h.baseUrl}/v1/reviews${query}`, { headers: who ? { authorization: `Bearer ${await h.issuer.mint(who)}` } : {} });
    return { status: res.status, body: (await res.json()) as { reviews: InboxItem[]; error?: { code: string } } };
  }
  const byId = (items: InboxItem[]) => Object.fromEntries(items.map((i) => [i.id, i]));

  beforeAll(async () => {
    h = await startPolicyHarness({ database: 'cs_inbox', policyFiles: { 'policy.yaml': POLICY } });
    const pipelineRequester = { kind: 'pipeline' as const, subject: 'ci-deployer', issuer: DEV_ISSUER, groups: ['pipelines'], owner: 'alice' };
    // One after the other, so that "newest first" has an order to check.
    opened['export'] = await open('db.export', pipelineRequester);
    opened['copy'] = await open('db.copy', { kind: 'user', subject: 'bob', issuer: DEV_ISSUER, groups: ['security'] });
    opened['rotate'] = await open('kms.key.rotate', pipelineRequester);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('lists pending reviews newest first, masked, with votes, time left and why not', async () => {
    const { status, body } = await inbox(bob);
    expect(status).toBe(200);
    expect(body.reviews.map((r) => r.id)).toEqual([opened['rotate'], opened['copy'], opened['export']]);
    const r = byId(body.reviews);
    expect(r[opened['export']!]).toMatchObject({ canDecide: true, whyNot: null, stepUp: false, votes: [], requester: { subject: 'ci-deployer', owner: 'alice' } });
    expect(r[opened['export']!]!.secondsLeft).toBeGreaterThan(3000);
    expect(r[opened['copy']!]).toMatchObject({ canDecide: false, whyNot: { code: 'SELF_APPROVAL' } });
    expect(r[opened['rotate']!]).toMatchObject({ canDecide: false, stepUp: true, whyNot: { code: 'NOT_APPROVER' } });
    // Reviewers see the masked view, never the secret.
    expect(JSON.stringify(body)).not.toContain('hunter2-secret');
    expect(JSON.stringify(r[opened['export']!]!.view)).toContain('[masked:');
  });

  it('says "owner" to the human behind the pipeline, and step-up reviews stay decidable for their group', async () => {
    const r = byId((await inbox(alice)).body.reviews);
    expect(r[opened['rotate']!]).toMatchObject({ canDecide: false, whyNot: { code: 'OWNER_APPROVAL' } });
    const erin = user('erin', ['platform']);
    expect(byId((await inbox(erin)).body.reviews)[opened['rotate']!]).toMatchObject({ canDecide: true, stepUp: true, whyNot: null });
  });

  it('agrees with the vote endpoint: after a vote the voter is "already voted", the vote shows', async () => {
    const res = await fetch(`${h.baseUrl}/v1/reviews/${opened['export']}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.issuer.mint(bob)}` },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(res.status).toBe(200);
    const mine = byId((await inbox(bob)).body.reviews)[opened['export']!]!;
    expect(mine).toMatchObject({ canDecide: false, whyNot: { code: 'ALREADY_VOTED' }, votes: [{ subject: 'bob', decision: 'approve' }] });
    // ?decidable=true keeps only what dana may decide now.
    const decidable = (await inbox(dana, '?decidable=true')).body.reviews.map((i) => i.id);
    expect(decidable).toEqual([opened['copy'], opened['export']]);
  });

  it('shows requesters only their own reviews, and auditors everything but decidable nothing', async () => {
    const own = (await inbox(pipeline)).body.reviews;
    expect(own.map((i) => i.id)).toEqual([opened['rotate'], opened['export']]);
    expect(own.every((i) => i.whyNot?.code === 'SELF_APPROVAL')).toBe(true);
    expect((await inbox(mallory)).body.reviews).toEqual([]);
    const audited = (await inbox(carol)).body.reviews;
    expect(audited).toHaveLength(3);
    expect(audited.every((i) => !i.canDecide && i.whyNot?.reason.includes('reviews:vote'))).toBe(true);
  });

  it('answers 401 without a token and 400 on a bad query', async () => {
    expect((await inbox(undefined)).status).toBe(401);
    expect(await inbox(bob, '?limit=0')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await inbox(bob, '?state=approved')).toMatchObject({ status: 400 });
  });
});
