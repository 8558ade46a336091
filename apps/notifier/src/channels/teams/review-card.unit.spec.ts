import { describe, expect, it } from 'vitest';
import type { ChannelReview } from '../review-channel.js';
import { APPROVE_VERB, escapeCardMarkdown, noteCard, outcomeCard, REASON_INPUT, REJECT_VERB, reviewCard } from './review-card.js';

const CONSOLE = 'https://console.example.com';

const reviewId = '0190f5a0-1111-7000-8000-000000000001';
const nonce = 'Zm9vYmFyYmF6cXV4cXV1eA';
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
        args: { query: token, format: 'csv', limits: { rows: 10 } },
        justification: 'churn report [click me](https://evil.example) **now**',
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

type El = Record<string, unknown> & { type: string };
/** Every element and action of a card, depth first (fallbacks included). */
function walk(node: unknown, out: El[] = []): El[] {
  if (Array.isArray(node)) node.forEach((n) => walk(n, out));
  else if (node && typeof node === 'object') {
    const el = node as El;
    if (typeof el.type === 'string') out.push(el);
    for (const v of Object.values(el)) walk(v, out);
  }
  return out;
}

describe('Teams review card (Adaptive Card)', () => {
  it('is an Adaptive Card 1.4 with action, resource, requester, justification, reasons and the masked arguments as a FactSet', () => {
    const card = reviewCard(review(), CONSOLE);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const json = JSON.stringify(card);
    for (const shown of ['db.export', 'db/customers', 'prod', 'pii', 'ci-deployer', 'owner alice', 'churn report', 'exports from prod need two approvers', 'prod-export-needs-review', 'security, platform', 'args.query (path:args.query)']) {
      expect(json).toContain(shown);
    }
    const factSets = walk(card.body).filter((e) => e.type === 'FactSet') as unknown as Array<{ facts: Array<{ title: string; value: string }> }>;
    const argFacts = factSets.find((f) => f.facts.some((x) => x.title === 'query'))?.facts;
    expect(argFacts).toEqual([
      { title: 'query', value: escapeCardMarkdown(token) },
      { title: 'format', value: 'csv' },
      { title: 'limits', value: '{"rows":10}' },
    ]);
  });

  it('shows masked values only as their tokens: the card holds no value policy masked', () => {
    const json = JSON.stringify(reviewCard(review(), CONSOLE));
    expect(json).not.toContain('select');
    expect(json.match(/masked:[a-z]+:[0-9a-f]+/g)).toEqual(['masked:path:3f9a0c1d2e4b5a6c7d8e']);
  });

  it('has Approve and Reject as Action.Execute with verbs carrying only reviewId and nonce, each with an Action.Submit fallback', () => {
    const card = reviewCard(review(), CONSOLE);
    expect(card.actions).toHaveLength(2);
    const [approve, reject] = card.actions as Array<El & { data: unknown; fallback: El & { data: unknown } }>;
    expect(approve).toMatchObject({ type: 'Action.Execute', title: 'Approve', verb: APPROVE_VERB, associatedInputs: 'none' });
    expect(reject).toMatchObject({ type: 'Action.Execute', title: 'Reject', verb: REJECT_VERB, associatedInputs: 'auto' });
    for (const a of [approve, reject]) {
      expect(a?.data).toEqual({ reviewId, nonce });
      // Action.Submit has no verb field: its data names the button, and nothing else is added.
      expect(a?.fallback).toMatchObject({ type: 'Action.Submit', data: { verb: a?.verb, reviewId, nonce } });
      expect(Object.keys(a?.fallback.data as object).sort()).toEqual(['nonce', 'reviewId', 'verb']);
    }
  });

  it('asks for the reject reason in an Input.Text the Reject action sends', () => {
    const input = walk(reviewCard(review(), CONSOLE).body).find((e) => e.type === 'Input.Text');
    expect(input).toMatchObject({ id: REASON_INPUT, isMultiline: true, maxLength: 2000 });
  });

  it('keeps requester text from becoming links or emphasis', () => {
    const json = JSON.stringify(reviewCard(review(), CONSOLE));
    // Free text goes into TextRuns (no markdown); fact values are escaped.
    const runs = walk(reviewCard(review(), CONSOLE).body).filter((e) => e.type === 'TextRun').map((e) => e['text']);
    expect(runs).toContain('churn report [click me](https://evil.example) **now**');
    expect(json).not.toMatch(/"type":"TextBlock","text":"[^"]*\[click me\]/);
    expect(escapeCardMarkdown('[x](http://e) *b* _i_\nline')).toBe('\\[x\\]\\(http://e\\) \\*b\\* \\_i\\_ line');
  });

  it('shows votes so far and keeps the actions while the review is open', () => {
    const card = reviewCard(review({ votes: [{ decision: 'approve', subject: 'bob' }], approvals: 1 }), CONSOLE);
    expect(JSON.stringify(card)).toContain('Approvals so far: 1 of 2 (bob)');
    expect(card.actions).toHaveLength(2);
  });

  it('refuses to render actions without a nonce', () => {
    expect(() => reviewCard(review({ nonce: null }), CONSOLE)).toThrow(/nonce/);
  });
});

describe('Teams outcome card', () => {
  const eventId = '0190f5a0-4444-7000-8000-000000000004';

  it('shows outcome, who decided and the reason, keeps the context, and has no actions or inputs left', () => {
    for (const [kind, decidedBy, expected] of [
      ['approved', ['bob', 'dana'], 'Approved by bob, dana'],
      ['rejected', ['bob'], 'Rejected by bob'],
      ['expired', [], 'Expired without a decision'],
      ['withdrawn', [], 'Withdrawn by the requester'],
    ] as const) {
      const card = outcomeCard({ review: review(), kind, decidedBy: [...decidedBy], reason: 'not during the freeze', eventId });
      const json = JSON.stringify(card);
      expect(json).toContain(expected);
      expect(json).toContain('Reason: not during the freeze');
      expect(json).toContain('db/customers');
      expect(card.actions).toBeUndefined();
      expect(walk(card).filter((e) => e.type.startsWith('Action.') || e.type.startsWith('Input.'))).toEqual([]);
      expect(json).not.toContain(nonce);
    }
  });

  it('answers a click with a short card', () => {
    expect(JSON.stringify(noteCard('Vote received', 'ok'))).toContain('Vote received');
  });

  it('given a step-up review, then one Action.OpenUrl to the console review page and no vote actions or reason box', () => {
    const base = review();
    const card = reviewCard(review({ nonce: null, review: { ...base.review, requirement: { ...base.review.requirement, stepUp: true } } }), CONSOLE);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Review in the console', url: `${CONSOLE}/reviews/${base.reviewId}` }]);
    const json = JSON.stringify(card);
    expect(json).not.toContain('Action.Execute');
    expect(json).not.toContain('Input.Text');
    expect(json).toContain('passkey');
  });
});
