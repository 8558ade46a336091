import { describe, expect, it } from 'vitest';
import type { Intent } from '@countersign/contracts';
import { classify, explain } from './classify.js';
import { compilePolicy } from './compile.js';
import { PolicyDocument } from './document.js';
import { hmacTokenizer } from './masking/index.js';

const VERSION = 'v'.repeat(64);
const ctx = { now: new Date('2026-03-02T10:00:00Z'), tokenize: hmacTokenizer('a-unit-test-key-that-is-32-bytes!') };

function policyOf(doc: Record<string, unknown>) {
  return compilePolicy(PolicyDocument.parse({ apiVersion: 'countersign.dev/v1', kind: 'Policy', ...doc }), VERSION);
}

function intent(action: string, env: string, over: Partial<Intent> & { id?: string; tags?: string[] } = {}): Intent {
  const { id = 'customers', tags = [], ...rest } = over;
  return {
    action,
    resource: { kind: 'db', id, env, tags },
    args: {},
    justification: 'test',
    requester: { kind: 'pipeline', subject: 'ci', issuer: 'urn:test', groups: [] },
    ...rest,
  };
}

const policy = policyOf({
  rules: [
    { id: 'dev-queries', match: { action: ['db.query'], env: ['dev', 'staging'] }, effect: 'allow' },
    { id: 'prod-exports', match: { action: ['db.export'], env: ['prod'] }, effect: 'review', approvers: ['security'], ttl: '1h' },
    { id: 'exports-data-team', match: { action: ['db.export'] }, effect: 'review', approvers: ['data'], quorum: 2, ttl: '30m' },
    { id: 'no-drops', match: { action: ['db.drop*'], env: ['prod'] }, effect: 'deny', reason: 'drops are never automated' },
    { id: 'drop-anything', match: { action: ['db.**'], resourceId: ['scratch-*'] }, effect: 'allow', grant: { useWithin: '30s' } },
    { id: 'iam', match: { action: ['iam.**'] }, effect: 'review', approvers: ['security', 'platform'], quorum: 2 },
  ],
});

describe('precedence', () => {
  it('given an allow rule, when it matches, then allow with default grant terms', () => {
    const c = classify(policy, intent('db.query', 'staging'), ctx);
    expect(c).toMatchObject({ decision: 'allow', ruleIds: ['dev-queries'] });
    expect(c.grant).toEqual({ audience: 'db:staging/customers', claimTtlSeconds: 300, useTtlSeconds: 60 });
  });

  it('given a deny and an allow both matching, then deny, and reasons name only the denying rule', () => {
    const c = classify(policy, intent('db.drop_table', 'prod', { id: 'scratch-1' }), ctx);
    expect(c).toMatchObject({ decision: 'deny', ruleIds: ['no-drops', 'drop-anything'], reasons: ['no-drops: drops are never automated'] });
    expect(c.review).toBeUndefined();
    expect(c.grant).toBeUndefined();
  });

  it('given a review and an allow both matching, then review', () => {
    const c = classify(policy, intent('db.export', 'dev', { id: 'scratch-9' }), ctx);
    expect(c).toMatchObject({ decision: 'review', ruleIds: ['exports-data-team', 'drop-anything'] });
  });

  it('matches `**` across segments and `*` within one', () => {
    expect(classify(policy, intent('iam.role.grant', 'prod'), ctx).ruleIds).toEqual(['iam']);
    expect(classify(policy, intent('db.query.slow', 'staging'), ctx).decision).toBe('review');
  });

  it('given no matching rule, then the default: review by the default approvers (fail closed)', () => {
    const c = classify(policy, intent('k8s.exec', 'prod'), ctx);
    expect(c).toMatchObject({ decision: 'review', ruleIds: [], review: { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600 } });
    const two = policyOf({ defaultApprovers: ['security', 'platform'], defaultTtl: '15m' });
    expect(classify(two, intent('k8s.exec', 'prod'), ctx).review).toMatchObject({ approverGroups: ['platform', 'security'], quorum: 2, ttlSeconds: 900 });
  });

  it('can default to deny', () => {
    expect(classify(policyOf({ defaultEffect: 'deny' }), intent('db.query', 'dev'), ctx).decision).toBe('deny');
  });
});

describe('combining reviews', () => {
  it('takes every approver group, the highest quorum and the shortest ttl', () => {
    const c = classify(policy, intent('db.export', 'prod'), ctx);
    expect(c.review).toEqual({
      approverGroups: ['data', 'security'],
      quorum: 2,
      ttlSeconds: 1800,
      escalation: [],
      stepUp: false,
      breakGlass: false,
    });
  });

  it('raises the quorum to one person per required group, merges escalations inside the ttl, step-up if any, break-glass only if all', () => {
    const p = policyOf({
      rules: [
        { id: 'a', match: { action: ['x.y'] }, effect: 'review', approvers: ['sec'], ttl: '1h', breakGlass: true,
          escalation: [{ after: '10m', notify: ['leads'] }, { after: '50m', notify: ['cto'] }] },
        { id: 'b', match: { action: ['x.*'] }, effect: 'review', approvers: ['ops'], ttl: '40m', stepUp: true,
          escalation: [{ after: '10m', notify: ['oncall'] }] },
      ],
    });
    expect(classify(p, intent('x.y', 'prod'), ctx).review).toEqual({
      approverGroups: ['ops', 'sec'],
      quorum: 2,
      ttlSeconds: 2400,
      // 50m falls after the combined ttl of 40m: nobody would be escalated to a review already expired.
      escalation: [{ afterSeconds: 600, groups: ['leads', 'oncall'] }],
      stepUp: true,
      breakGlass: false,
    });
  });

  it('takes grant windows from the rules, the shortest where several set one', () => {
    const long = policyOf({
      rules: [
        { id: 'a', match: { action: ['db.query'] }, effect: 'allow', grant: { claimWithin: '15m', audience: 'pg://orders' } },
        { id: 'b', match: { action: ['db.*'] }, effect: 'allow', grant: { claimWithin: '10m', useWithin: '2m' } },
      ],
    });
    expect(classify(long, intent('db.query', 'dev'), ctx).grant).toEqual({ audience: 'pg://orders', claimTtlSeconds: 600, useTtlSeconds: 120 });
  });
});

describe('classification tags, requester and conditions', () => {
  const p = policyOf({
    classify: [
      { resource: 'db:prod/customers*', tags: ['pii'] },
      { resource: 'db:*/payments', tags: ['finance', 'pii'] },
    ],
    rules: [
      { id: 'pii', match: { tags: ['pii'] }, effect: 'review', approvers: ['privacy'] },
      { id: 'agents-no-prod', match: { env: ['prod'], requesterKind: ['agent'] }, effect: 'deny', reason: 'agents stay out of prod' },
      { id: 'sre-restart', match: { action: ['svc.restart'], requesterGroups: ['sre', 'oncall'] }, effect: 'allow' },
      { id: 'big-export', match: { action: ['db.export'] }, when: 'intent.args.rows > 1000', effect: 'deny', reason: 'too big' },
      { id: 'small-export', match: { action: ['db.export'] }, when: 'intent.args.rows <= 10', effect: 'allow' },
      { id: 'office-hours', match: { action: ['svc.deploy'] }, when: "now.getHours('UTC') >= 9 && now.getHours('UTC') < 17 && resource.env == 'prod'", effect: 'allow' },
    ],
  });

  it('adds tags from classification, which a requester cannot drop by omitting them', () => {
    const c = classify(p, intent('db.query', 'prod', { id: 'customers-eu', tags: [] }), ctx);
    expect(c).toMatchObject({ decision: 'review', ruleIds: ['pii'], tags: ['pii'] });
    expect(classify(p, intent('db.query', 'dev', { id: 'payments', tags: ['adhoc'] }), ctx).tags).toEqual(['adhoc', 'finance', 'pii']);
    expect(classify(p, intent('db.query', 'dev', { id: 'orders' }), ctx).ruleIds).toEqual([]);
  });

  it('matches the requester kind and groups from the verified identity', () => {
    const agent = { kind: 'agent' as const, subject: 'bot', issuer: 'urn:test', groups: [] };
    expect(classify(p, intent('db.query', 'prod', { id: 'orders', requester: agent }), ctx).decision).toBe('deny');
    const sre = { kind: 'user' as const, subject: 'sam', issuer: 'urn:test', groups: ['sre'] };
    expect(classify(p, intent('svc.restart', 'dev', { requester: sre }), ctx).decision).toBe('allow');
    expect(classify(p, intent('svc.restart', 'dev'), ctx).decision).toBe('review');
  });

  it('evaluates CEL conditions over intent, resource and now', () => {
    expect(classify(p, intent('db.export', 'dev', { id: 'orders', args: { rows: 5000 } }), ctx).decision).toBe('deny');
    expect(classify(p, intent('db.export', 'dev', { id: 'orders', args: { rows: 5 } }), ctx)).toMatchObject({ decision: 'allow', ruleIds: ['small-export'] });
    expect(classify(p, intent('db.export', 'dev', { id: 'orders', args: { rows: 500 } }), ctx).decision).toBe('review');
    expect(classify(p, intent('svc.deploy', 'prod', { id: 'orders' }), ctx).decision).toBe('allow');
    const night = { ...ctx, now: new Date('2026-03-02T23:00:00Z') };
    expect(classify(p, intent('svc.deploy', 'prod', { id: 'orders' }), night).decision).toBe('review');
  });

  it('fails closed when a condition cannot be evaluated: a deny applies, an allow does not', () => {
    // No `rows` argument: both conditions fail to evaluate.
    const c = classify(p, intent('db.export', 'dev', { id: 'orders', args: { table: 'orders' } }), ctx);
    expect(c).toMatchObject({ decision: 'deny', ruleIds: ['big-export'] });
    expect(c.reasons).toEqual(['big-export: too big', 'big-export: condition could not be evaluated; rule applied (fail closed)']);
  });
});

describe('masking in classification', () => {
  const p = policyOf({
    masking: { paths: ['args.**.password'] },
    rules: [{ id: 'exports', match: { action: ['db.export'] }, effect: 'review', approvers: ['security'], mask: ['args.query'] }],
  });

  it('masks the global paths always, a rule\'s paths when it matches, and detected secrets anywhere', () => {
    const secretQuery = "select * from users where email = 'a@b.example'";
    const args = { query: secretQuery, conn: { password: 'p4ssw0rd-long' } };
    const exported = classify(p, intent('db.export', 'prod', { args, justification: 'mail bob@example.com' }), ctx);
    expect(exported.masked.values.map((v) => v.path)).toEqual(['args.conn.password', 'args.query', 'justification']);
    const json = JSON.stringify(exported.masked.intent);
    for (const secret of [secretQuery, 'p4ssw0rd-long', 'bob@example.com']) expect(json).not.toContain(secret);
    const queried = classify(p, intent('db.query', 'prod', { args: { query: 'select 1', conn: { password: 'p4ssw0rd-long' } } }), ctx);
    expect(queried.masked.values.map((v) => v.path)).toEqual(['args.conn.password']);
    expect(queried.masked.intent.args['query']).toBe('select 1');
  });
});

describe('explain', () => {
  it('gives the same decision as classify and says for every rule why it did or did not apply', () => {
    const i = intent('db.export', 'prod', { args: { rows: 3 } });
    const e = explain(policy, i, ctx);
    const c = classify(policy, i, ctx);
    expect({ decision: e.decision, ruleIds: e.ruleIds, review: e.review }).toEqual({ decision: c.decision, ruleIds: c.ruleIds, review: c.review });
    expect(e.policyVersion).toBe(VERSION);
    expect(Object.fromEntries(e.rules.map((r) => [r.id, [r.applied, r.detail]]))).toEqual({
      'dev-queries': [false, 'action db.export is not in [db.query]'],
      'prod-exports': [true, 'every match criterion holds'],
      'exports-data-team': [true, 'every match criterion holds'],
      'no-drops': [false, 'action db.export is not in [db.drop*]'],
      'drop-anything': [false, 'resource id customers is not in [scratch-*]'],
      iam: [false, 'action db.export is not in [iam.**]'],
    });
  });

  it('names where the tags came from and why a condition failed', () => {
    const p = policyOf({
      classify: [{ resource: 'db:prod/customers', tags: ['pii'] }],
      rules: [{ id: 'cond', match: {}, when: 'intent.args.rows > 1', effect: 'allow' }],
    });
    const e = explain(p, intent('db.query', 'prod', { tags: ['adhoc'] }), ctx);
    expect(e.tagSources).toEqual({ intent: ['adhoc'], classification: ['pii'] });
    expect(e.rules[0]).toMatchObject({ applied: false, detail: expect.stringMatching(/could not be evaluated \(.*rows.*\); an allow rule then does not allow/) });
  });
});

describe('the document schema', () => {
  const parse = (doc: Record<string, unknown>) => PolicyDocument.safeParse({ apiVersion: 'countersign.dev/v1', kind: 'Policy', ...doc });
  const messages = (doc: Record<string, unknown>) => {
    const r = parse(doc);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses duplicate ids, unknown fields, bad CEL, a quorum below the groups and an escalation after the ttl', () => {
    const allow = (id: string, extra: Record<string, unknown> = {}) => ({ id, match: { action: ['x.y'] }, effect: 'allow', ...extra });
    expect(messages({ rules: [allow('a'), allow('a')] })).toEqual(['rules.1.id: duplicate rule id a']);
    expect(messages({ rules: [allow('a', { approvers: ['x'] })] })).toHaveLength(1);
    expect(messages({ rules: [allow('a', { when: 'intent.args.rows >' })] })[0]).toMatch(/^rules\.0\.when: invalid CEL: /);
    expect(messages({ rules: [{ id: 'r', match: {}, effect: 'review', approvers: ['a', 'b'], quorum: 1 }] })).toEqual([
      'rules.0.quorum: quorum 1 is less than the 2 approver groups, each of which needs its own approver',
    ]);
    expect(messages({ rules: [{ id: 'r', match: {}, effect: 'review', approvers: ['a'], ttl: '10m', escalation: [{ after: '10m', notify: ['b'] }] }] })).toEqual([
      'rules.0.escalation.0.after: escalates after the review has already expired (ttl)',
    ]);
    expect(messages({ masking: { paths: ['requester.subject'] } })).toHaveLength(1);
    expect(messages({ masking: { detectors: ['no-such-detector'] } })).toHaveLength(1);
    expect(messages({ defaultTtl: '0s' })).toEqual(['defaultTtl: must be longer than 0']);
  });
});

describe('the cost of conditions over request data', () => {
  const when = (source: string) => PolicyDocument.safeParse({ apiVersion: 'countersign.dev/v1', kind: 'Policy', rules: [{ id: 'r', match: {}, effect: 'deny', reason: 'x', when: source }] });
  const problem = (source: string) => {
    const r = when(source);
    return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('refuses a list macro nested in another over request data (quadratic), wherever it hides', () => {
    for (const source of [
      'intent.args.xs.all(a, intent.args.ys.exists(b, a == b))',
      'intent.args.xs.exists(a, intent.args.xs.filter(b, b == a).size() > 1)',
      "resource.env == 'prod' && intent.args.xs.map(a, intent.args.xs.exists(b, b != a)).size() > 0",
      'intent.args.xs.all(a, [1, 2].exists(k, intent.args.ys.exists(b, b == k)))',
    ]) {
      expect(problem(source), source).toMatch(/^rules\.0\.when: CEL too costly: a list macro .* inside another one must range over a list written in the policy/);
    }
  });

  it('allows one level over request data, and nesting over lists the policy itself writes', () => {
    for (const source of [
      "intent.args.tables.exists(t, t == 'customers')",
      "intent.args.tables.all(t, ['orders', 'invoices'].exists(x, x == t))",
      "intent.args.tables.exists(t, {'a': 1, 'b': 2}.exists(k, k == t))",
      "['a', 'b'].all(x, intent.args.tables.exists(t, t == x))",
      "intent.args.q.matches('^(a+)+$')",
    ]) {
      expect(problem(source), source).toBeUndefined();
    }
  });

  it('evaluates a backtracking-shaped pattern over an 8 KB argument in linear time (RE2 semantics), and decides both ways', () => {
    // With a backtracking engine this would not finish before the test's timeout.
    const p = policyOf({
      rules: [
        { id: 'queries', match: { action: ['db.query'] }, effect: 'allow' },
        { id: 'shape', match: { action: ['db.query'] }, effect: 'deny', reason: 'pattern', when: "intent.args.q.matches('^(a+)+$')" },
      ],
    });
    const hostile = intent('db.query', 'prod', { args: { q: `${'a'.repeat(8000)}!` } });
    expect(classify(p, hostile, ctx).decision).toBe('allow');
    expect(classify(p, intent('db.query', 'prod', { args: { q: 'a'.repeat(8000) } }), ctx).decision).toBe('deny');
  });
});
