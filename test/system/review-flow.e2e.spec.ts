import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, signSlackRequest, slackInteractionBody, startFakeSlack, type FakeSlack } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';
import { call, waitForState, type IntentView } from './client.js';

// The review, end to end: five services as processes, the demo policy plus one rule with a short ttl,
// reviewers voting with their own tokens over the API or by clicking in Slack (a local server that
// behaves like Slack's Web API; the notifier's Slack adapter is the production code).
const SLACK_TOKEN = 'xoxb-e2e-bot-token';
const SIGNING_SECRET = 'e2e-slack-signing-secret';
const SLACK_CHANNEL = 'C0REVIEWS';
let sys: System;
let slack: FakeSlack;
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
  slack = await startFakeSlack({ token: SLACK_TOKEN });
  await writeFile(join(work, 'slack-token'), SLACK_TOKEN);
  await writeFile(join(work, 'slack-secret'), SIGNING_SECRET);
  sys = await startSystem({
    env: {
      POLICY_DIR: policyDir,
      POLICY_TIMER_INTERVAL_MS: '200',
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_TOKEN_FILE: join(work, 'slack-token'),
      SLACK_SIGNING_SECRET_FILE: join(work, 'slack-secret'),
      SLACK_CHANNEL_ID: SLACK_CHANNEL,
      NOTIFIER_RETRY_INTERVAL_MS: '200',
    },
  });
  pipeline = await sys.token('ci-deployer');
  auditor = await sys.token('carol');
});
afterAll(async () => {
  await sys?.stop();
  await slack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function pendingReview(body: Record<string, unknown>): Promise<{ intent: IntentView; reviewId: string }> {
  const submitted = await call<IntentView>('POST', `${sys.urls.intake}/v1/intents`, { token: pipeline, body });
  expect(submitted.status).toBe(202);
  const intent = await waitForState(sys.urls.intake, pipeline, submitted.body.id, ['pending_review']);
  // The requester's own view names the review; the audit trail says the same.
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
  expect(intent.reviewId).toBe(reviewId);
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

describe('a review approved in Slack', () => {
  type Block = { type: string; elements?: Array<{ action_id?: string; value?: string }> };

  /** The value of the Approve button of the review's Slack message: only an opaque id and nonce. */
  async function approveButton(reviewId: string): Promise<string> {
    return expectEventually(() => {
      const post = slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args['blocks']).includes(reviewId));
      expect(post).toBeDefined();
      const buttons = (post!.args['blocks'] as Block[]).flatMap((b) => b.elements ?? []);
      const approve = buttons.find((e) => e.action_id === 'countersign_approve');
      expect(approve?.value).toMatch(new RegExp(`^${reviewId}\\.`));
      return approve!.value!;
    });
  }

  async function click(user: string, value: string) {
    const body = slackInteractionBody({
      type: 'block_actions',
      team: { id: 'T0DEMO' },
      user: { id: user, team_id: 'T0DEMO' },
      trigger_id: `${Date.now()}.${user}`,
      channel: { id: SLACK_CHANNEL },
      actions: [{ action_id: 'countersign_approve', block_id: 'countersign_vote', value, type: 'button' }],
    });
    const res = await fetch(`${sys.urls.notifier}/v1/slack/interactions`, { method: 'POST', headers: signSlackRequest(SIGNING_SECRET, body), body });
    return res.status;
  }

  it('two people click Approve, the requester gets a grant, and the message shows the outcome with no buttons', async () => {
    const { intent, reviewId } = await pendingReview(customersExport);
    const value = await approveButton(reviewId);
    const posted = JSON.stringify(slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args['blocks']).includes(reviewId))!.args['blocks']);
    // The reviewer sees the masked query, never the query itself.
    expect(posted).not.toContain(customersExport.args.query);
    expect(await click('U0BOB', value)).toBe(200);
    expect(await click('U0ERIN', value)).toBe(200);
    await waitForState(sys.urls.intake, pipeline, intent.id, ['granted']);
    const claim = await call('POST', `${sys.urls.broker}/v1/grants/claim`, { token: pipeline, body: { intentId: intent.id } });
    expect(claim.status).toBe(200);
    await expectEventually(() => {
      const final = slack.callsTo('chat.update').filter((c) => JSON.stringify(c.args['blocks']).includes('pproved')).at(-1);
      expect(final).toBeDefined();
      expect(JSON.stringify(final!.args['blocks'])).not.toContain('countersign_approve');
    });

    // A third approver clicks the same button later (a stale client, a forwarded message): the click is
    // verified and becomes a vote, policy refuses it as decided, the person is told privately, and
    // nothing else happens: still one grant, still approved by bob and erin.
    expect(await click('U0DANA', value)).toBe(200);
    const refused = await expectEventually(async () => {
      const trail = await call<{ events: Array<{ type: string; payload: { data: { code?: string; voter?: { subject: string } } } }> }>(
        'GET',
        `${sys.urls.audit}/v1/audit/events?intentId=${intent.id}&limit=100`,
        { token: auditor },
      );
      const found = trail.body.events.filter((e) => e.type === 'review.vote_refused');
      expect(found).toHaveLength(1);
      return { found: found[0]!, trail: trail.body.events };
    });
    expect(refused.found.payload.data).toMatchObject({ code: 'REVIEW_DECIDED', voter: { subject: 'dana' } });
    expect(refused.trail.filter((e) => e.type === 'grant.issued')).toHaveLength(1);
    expect(refused.trail.filter((e) => e.type === 'review.vote_recorded').map((e) => e.payload.data.voter?.subject).sort()).toEqual(['bob', 'erin']);
    await expectEventually(() =>
      expect(slack.callsTo('chat.postEphemeral').some((c) => c.args['user'] === 'U0DANA' && String(c.args['text']).includes('REVIEW_DECIDED'))).toBe(true),
    );
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
