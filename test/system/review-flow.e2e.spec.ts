import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';
import { call, waitForState, type IntentView } from './client.js';

// The review, end to end over the API: five services as processes, the demo policy plus one rule with a
// short ttl, reviewers voting with their own tokens.
let sys: System;
let work: string;
let pipeline: string;
let auditor: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cs-review-flow-'));
  const policyDir = join(work, 'policy');
  await cp(fileURLToPath(new URL('../../policies/demo', import.meta.url)), policyDir, { recursive: true });
  await writeFile(
    join(policyDir, '90-short.yaml'),
    'apiVersion: countersign.dev/v1\nkind: Policy\nrules:\n  - id: vacuum-short\n    effect: review\n    match: { action: [db.vacuum] }\n    approvers: [security]\n    ttl: 3s\n',
  );
  sys = await startSystem({ env: { POLICY_DIR: policyDir, POLICY_TIMER_INTERVAL_MS: '200' } });
  pipeline = await sys.token('ci-deployer');
  auditor = await sys.token('carol');
});
afterAll(async () => {
  await sys?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function pendingReview(body: Record<string, unknown>): Promise<{ intent: IntentView; reviewId: string }> {
  const submitted = await call<IntentView>('POST', `${sys.urls.intake}/v1/intents`, { token: pipeline, body });
  expect(submitted.status).toBe(202);
  const intent = await waitForState(sys.urls.intake, pipeline, submitted.body.id, ['pending_review']);
  const reviewId = await expectEventually(async () => {
    const trail = await call<{ events: Array<{ type: string; payload: { data: { reviewId?: string } } }> }>(
      'GET',
      `${sys.urls.audit}/v1/audit/events?intentId=${intent.id}&limit=100`,
      { token: auditor },
    );
    const requested = trail.body.events.find((e) => e.type === 'review.requested');
    expect(requested).toBeDefined();
    return requested!.payload.data.reviewId!;
  });
  return { intent, reviewId };
}

async function vote(reviewId: string, who: string, body: Record<string, unknown>) {
  return call<{ state?: string; error?: { code: string } }>('POST', `${sys.urls.policy}/v1/reviews/${reviewId}/votes`, { token: await sys.token(who), body });
}

const customersExport = {
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod' },
  args: { table: 'customers', query: 'select id, email from customers' },
  justification: 'regulator request 2026-114',
};

describe('a review approved by two people', () => {
  it('refuses the pipeline owner, counts security and platform, and the requester then claims a grant', async () => {
    const { intent, reviewId } = await pendingReview(customersExport);
    // alice owns the ci-deployer pipeline: she may not approve what it asks for.
    expect(await vote(reviewId, 'alice', { decision: 'approve' })).toMatchObject({ status: 403, body: { error: { code: 'OWNER_APPROVAL' } } });
    expect(await vote(reviewId, 'bob', { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'pending' } });
    expect(await vote(reviewId, 'erin', { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'approved' } });
    const granted = await waitForState(sys.urls.intake, pipeline, intent.id, ['granted']);
    expect(granted.grant).not.toBeNull();
    const claim = await call<{ grant: string }>('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: intent.id } });
    expect(claim.status).toBe(200);
  });
});

describe('a rejected review', () => {
  it('ends rejected with the reason, and no grant is ever minted', async () => {
    const { intent, reviewId } = await pendingReview(customersExport);
    expect(await vote(reviewId, 'dana', { decision: 'reject', reason: 'no ticket referenced' })).toMatchObject({ status: 200, body: { state: 'rejected' } });
    const rejected = await waitForState(sys.urls.intake, pipeline, intent.id, ['rejected']);
    expect(rejected.grant).toBeNull();
    const claim = await call('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: intent.id } });
    expect(claim.status).toBe(404);
  });
});

describe('an expired review', () => {
  it('expires at its ttl, refuses a late vote, and no grant is ever minted', async () => {
    const { intent, reviewId } = await pendingReview({
      action: 'db.vacuum',
      resource: { kind: 'db', id: 'orders', env: 'prod' },
      justification: 'bloat',
    });
    const expired = await waitForState(sys.urls.intake, pipeline, intent.id, ['expired'], 15_000);
    expect(expired.grant).toBeNull();
    expect(await vote(reviewId, 'bob', { decision: 'approve' })).toMatchObject({ status: 410, body: { error: { code: 'REVIEW_EXPIRED' } } });
    const claim = await call('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: intent.id } });
    expect(claim.status).toBe(404);
  });
});
