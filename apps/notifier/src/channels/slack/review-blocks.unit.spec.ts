import { describe, expect, it } from 'vitest';
import type { ChannelReview } from '../review-channel.js';
import { APPROVE_ACTION, escapeMrkdwn, OPEN_CONSOLE_ACTION, outcomeMessage, REJECT_ACTION, reviewMessage } from './review-blocks.js';

const CONSOLE = 'https://console.example.com';

const reviewId = '0190f5a0-1111-7000-8000-000000000001';
const nonce = 'Zm9vYmFyYmF6cXV4cXV1eA';
const eventId = '0190f5a0-4444-7000-8000-000000000004';
// What policy publishes: the secret is already a keyed-hash token; the raw value never reaches notifier.
const token = '[masked:path:3f9a0c1d2e4b5a6c7d8e]';

function review(overrides: Partial<ChannelReview> = {}): ChannelReview {
  return {
    reviewId,
    intentId: '0190f5a0-2222-7000-8000-000000000002',
    deliveryId: '0190f5a0-3333-7000-8000-000000000003',
    nonce,
    votes: [],
    approvals: 0,
    quorum: 2,
    review: {
      reviewId,
      intentHash: 'a'.repeat(64),
      kind: 'approval',
      requirement: { approverGroups: ['security', 'platform'], quorum: 2, ttlSeconds: 3600, escalation: [], stepUp: false, breakGlass: false },
      expiresAt: '2026-11-22T11:00:00.000Z',
      intent: {
        action: 'db.export',
        resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
        args: { query: token, format: 'csv' },
        justification: 'churn report <@U0EVIL> & more',
        requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:countersign:dev-issuer', groups: ['pipelines'], owner: 'alice' },
      },
      masked: [{ path: 'args.query', reason: 'path:args.query' }],
      ruleIds: ['prod-export-needs-review'],
      reasons: ['exports from prod need two approvers'],
      tags: ['pii'],
    },
    ...overrides,
  };
}

type Block = { type: string; block_id?: string; elements?: Array<Record<string, unknown>> };

describe('Slack review message (Block Kit)', () => {
  it('shows action, resource, requester, justification, masked arguments, masked paths and the reasons', () => {
    const msg = reviewMessage(review(), CONSOLE);
    const json = JSON.stringify(msg.blocks);
    for (const shown of ['db.export', 'db/customers', 'prod', 'ci-deployer', 'owner', 'alice', 'churn report', token, 'csv', 'args.query', 'path:args.query', 'exports from prod need two approvers', 'prod-export-needs-review', 'security', 'platform']) {
      expect(json).toContain(shown);
    }
    expect(msg.text).toBe('Review requested: db.export on db/customers (prod) by ci-deployer');
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Review requested: db.export' } });
  });

  it('shows a masked argument as its token only: the value behind it never reaches notifier', () => {
    const raw = 'select email from customers';
    const blocks = reviewMessage(review(), CONSOLE).blocks as Array<{ text?: { text: string } }>;
    const args = blocks.find((b) => b.text?.text.startsWith('*Arguments*'))?.text?.text ?? '';
    expect(args).toContain(`"query": "${token}"`);
    expect(JSON.stringify(blocks)).not.toContain(raw);
    expect(JSON.stringify(blocks).match(/\[masked:[a-z]+:[0-9a-f]+\]/g)).toEqual([token]);
  });

  it('carries only `<reviewId>.<nonce>` in the Approve and Reject buttons', () => {
    const actions = reviewMessage(review(), CONSOLE).blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(1);
    const buttons = (JSON.parse(JSON.stringify(actions[0])) as Block).elements ?? [];
    expect(buttons.map((b) => [b['action_id'], b['value']])).toEqual([
      [APPROVE_ACTION, `${reviewId}.${nonce}`],
      [REJECT_ACTION, `${reviewId}.${nonce}`],
    ]);
    expect(buttons.map((b) => b['style'])).toEqual(['primary', 'danger']);
  });

  it('escapes mrkdwn control characters so a justification cannot mention or link anyone', () => {
    const json = JSON.stringify(reviewMessage(review(), CONSOLE).blocks);
    expect(json).toContain('&lt;@U0EVIL&gt; &amp; more');
    expect(json).not.toContain('<@U0EVIL>');
    expect(escapeMrkdwn('<!channel> a&b')).toBe('&lt;!channel&gt; a&amp;b');
  });

  it('keeps within Block Kit limits for long values', () => {
    const long = review();
    long.review.intent.justification = 'x'.repeat(2000);
    long.review.intent.args = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`a${i}`, 'y'.repeat(200)]));
    for (const b of reviewMessage(long, CONSOLE).blocks) {
      const text = (b as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('shows the votes so far and keeps the buttons while the review is open', () => {
    const msg = reviewMessage(review({ votes: [{ decision: 'approve', subject: 'bob' }], approvals: 1, quorum: 2 }), CONSOLE);
    expect(JSON.stringify(msg.blocks)).toContain('Approvals so far: 1 of 2 (`bob`)');
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(true);
  });

  it('refuses to render buttons without a nonce', () => {
    expect(() => reviewMessage(review({ nonce: null }), CONSOLE)).toThrow(/nonce/);
  });
});

describe('Slack outcome message', () => {
  it('shows the outcome and the approvers, keeps the context and has no buttons left', () => {
    const msg = outcomeMessage({ review: review(), kind: 'approved', decidedBy: ['bob', 'dana'], eventId });
    const json = JSON.stringify(msg.blocks);
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(json).toContain('Approved by `bob`, `dana`');
    expect(json).toContain('db/customers');
    expect(json).not.toContain(nonce);
    expect(msg.text).toBe('Approved: db.export on db/customers (prod) by ci-deployer');
  });

  it('shows who rejected and why, and an expiry without a decision', () => {
    const rejected = JSON.stringify(outcomeMessage({ review: review(), kind: 'rejected', decidedBy: ['bob'], reason: 'not <today>', eventId }).blocks);
    expect(rejected).toContain('Rejected by `bob`');
    expect(rejected).toContain('*Reason:* not &lt;today&gt;');
    const expired = outcomeMessage({ review: review(), kind: 'expired', decidedBy: [], eventId });
    expect(JSON.stringify(expired.blocks)).toContain('Expired without a decision');
    expect(expired.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('shows a review the requester withdrew, with the reason policy gave, and no buttons', () => {
    const withdrawn = outcomeMessage({ review: review(), kind: 'withdrawn', decidedBy: [], reason: 'withdrawn by ci-deployer: not needed', eventId });
    expect(JSON.stringify(withdrawn.blocks)).toContain('Withdrawn by the requester: nothing left to decide');
    expect(JSON.stringify(withdrawn.blocks)).toContain('*Reason:* withdrawn by ci-deployer: not needed');
    expect(withdrawn.text).toBe('Withdrawn: db.export on db/customers (prod) by ci-deployer');
    expect(withdrawn.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('given a step-up review, then a link button to the console review page replaces Approve / Reject, and no vote value is posted', () => {
    const base = review();
    const stepUp = review({ nonce: null, review: { ...base.review, requirement: { ...base.review.requirement, stepUp: true } } });
    const actions = reviewMessage(stepUp, `${CONSOLE}/`).blocks.filter((b) => b.type === 'actions') as unknown as Block[];
    expect(actions).toHaveLength(1);
    expect(actions[0]!.elements).toEqual([expect.objectContaining({ action_id: OPEN_CONSOLE_ACTION, url: `${CONSOLE}/reviews/${reviewId}` })]);
    const json = JSON.stringify(reviewMessage(stepUp, CONSOLE));
    expect(json).not.toContain(APPROVE_ACTION);
    expect(json).not.toContain(REJECT_ACTION);
    expect(json).toContain('passkey');
  });
});
