import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Intent } from '@countersign/contracts';
import { classify, explain } from './classify.js';
import { compilePolicy } from './compile.js';
import { PolicyDocument } from './document.js';
import { hmacTokenizer } from './masking/index.js';

const ctx = { now: new Date('2026-03-02T10:00:00Z'), tokenize: hmacTokenizer('a-property-test-key-of-32-bytes!!') };
const STRENGTH = { allow: 0, review: 1, deny: 2 } as const;

const domain = fc.constantFrom('db', 'iam', 'k8s', 's3');
const verb = fc.constantFrom('query', 'export', 'delete', 'grant');
const env = fc.constantFrom('dev', 'prod');
const actionGlob = fc.oneof(
  fc.tuple(domain, verb).map(([d, v]) => `${d}.${v}`),
  domain.map((d) => `${d}.*`),
  verb.map((v) => `**.${v}`),
  fc.constant('**'),
);

const match = fc.record(
  {
    action: fc.array(actionGlob, { minLength: 1, maxLength: 2 }),
    env: fc.array(env, { minLength: 1, maxLength: 2 }),
    tags: fc.constant(['pii']),
    requesterKind: fc.constant(['agent' as const]),
  },
  { requiredKeys: [] },
);
const when = fc.constantFrom(undefined, 'intent.args.rows > 10', "resource.env == 'prod'", 'intent.args.missing == 1');

const rule = fc.oneof(
  fc.record({ match, when, effect: fc.constant('allow' as const) }),
  fc.record({ match, when, effect: fc.constant('deny' as const), reason: fc.constant('no') }),
  fc.record({
    match,
    when,
    effect: fc.constant('review' as const),
    approvers: fc.constantFrom(['security'], ['platform'], ['security', 'platform']),
    quorum: fc.constant(2),
  }),
);

const intent: fc.Arbitrary<Intent> = fc
  .record({ d: domain, v: verb, e: env, pii: fc.boolean(), agent: fc.boolean(), rows: fc.integer({ min: 0, max: 20 }) })
  .map(({ d, v, e, pii, agent, rows }) => ({
    action: `${d}.${v}`,
    resource: { kind: d, id: 'customers', env: e, tags: pii ? ['pii'] : [] },
    args: { rows },
    justification: 'property',
    requester: { kind: agent ? 'agent' : 'pipeline', subject: 's', issuer: 'urn:test', groups: [] },
  }));

type RawRule = Record<string, unknown>;
function compile(rules: RawRule[], defaultEffect: 'review' | 'deny') {
  const withIds = rules.map((r, i) => Object.fromEntries(Object.entries({ ...r, id: `r${i}` }).filter(([, v]) => v !== undefined)));
  return compilePolicy(PolicyDocument.parse({ apiVersion: 'countersign.dev/v1', kind: 'Policy', defaultEffect, rules: withIds }), 'p'.repeat(64));
}

describe('policy properties (fast-check)', () => {
  it('adding a deny rule never weakens a decision, and a deny stays a deny', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 12 }),
        fc.record({ match, when, effect: fc.constant('deny' as const), reason: fc.constant('added') }),
        fc.constantFrom('review' as const, 'deny' as const),
        intent,
        (rules, deny, defaultEffect, i) => {
          const before = classify(compile(rules, defaultEffect), i, ctx).decision;
          const after = classify(compile([...rules, deny], defaultEffect), i, ctx).decision;
          expect(STRENGTH[after]).toBeGreaterThanOrEqual(STRENGTH[before]);
          if (before === 'deny') expect(after).toBe('deny');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the action index never changes a decision: classify agrees with explain, which tries every rule', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 20 }), intent, (rules, i) => {
        const policy = compile(rules, 'review');
        const fast = classify(policy, i, ctx);
        const full = explain(policy, i, ctx);
        expect({ decision: fast.decision, ruleIds: fast.ruleIds, review: fast.review }).toEqual({
          decision: full.decision,
          ruleIds: full.ruleIds,
          review: full.review,
        });
        expect(full.rules.filter((r) => r.applied).map((r) => r.id)).toEqual(fast.ruleIds);
      }),
      { numRuns: 500 },
    );
  });

  it('a review never asks for fewer people than it has approver groups', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 12 }), intent, (rules, i) => {
        const review = classify(compile(rules, 'review'), i, ctx).review;
        if (review) expect(review.quorum).toBeGreaterThanOrEqual(review.approverGroups.length);
      }),
      { numRuns: 300 },
    );
  });
});
