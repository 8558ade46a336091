import { describe, expect, it } from 'vitest';
import type { Intent } from '@countersign/contracts';
import { classify, compilePolicy, PolicyDocument } from './policy.js';

const policy = compilePolicy(
  PolicyDocument.parse({
    apiVersion: 'countersign.dev/v1',
    kind: 'Policy',
    rules: [
      { id: 'dev-queries', match: { action: ['db.query'], env: ['dev', 'staging'] }, effect: 'allow' },
      { id: 'prod-exports', match: { action: ['db.export'], env: ['prod'] }, effect: 'review', approvers: ['security'], ttl: '1h' },
      { id: 'exports-data-team', match: { action: ['db.export'] }, effect: 'review', approvers: ['data'], quorum: 2, ttl: '30m' },
      { id: 'no-drops', match: { action: ['db.drop*'], env: ['prod'] }, effect: 'deny', reason: 'drops are never automated' },
      { id: 'drop-anything', match: { action: ['db.**'], resourceId: ['scratch-*'] }, effect: 'allow', grant: { useWithin: '30s' } },
      { id: 'iam', match: { action: ['iam.**'] }, effect: 'review', approvers: ['security', 'platform'], quorum: 2 },
    ],
  }),
  'v'.repeat(64),
);

function intent(action: string, env: string, id = 'customers'): Intent {
  return {
    action,
    resource: { kind: 'db', id, env, tags: [] },
    args: {},
    justification: 'test',
    requester: { kind: 'pipeline', subject: 'ci', issuer: 'urn:test', groups: [] },
  };
}

describe('policy classification', () => {
  it('allows what an allow rule matches, with default grant terms', () => {
    const c = classify(policy, intent('db.query', 'staging'));
    expect(c).toMatchObject({ decision: 'allow', ruleIds: ['dev-queries'] });
    expect(c.grant).toEqual({ audience: 'db:staging/customers', claimTtlSeconds: 300, useTtlSeconds: 60 });
  });

  it('takes grant windows from the rule, the shortest where several set one', () => {
    const long = compilePolicy(
      PolicyDocument.parse({
        apiVersion: 'countersign.dev/v1',
        kind: 'Policy',
        rules: [
          { id: 'a', match: { action: ['db.query'] }, effect: 'allow', grant: { claimWithin: '15m', audience: 'pg://orders' } },
          { id: 'b', match: { action: ['db.*'] }, effect: 'allow', grant: { claimWithin: '10m', useWithin: '2m' } },
        ],
      }),
      'v'.repeat(64),
    );
    expect(classify(long, intent('db.query', 'dev')).grant).toEqual({ audience: 'pg://orders', claimTtlSeconds: 600, useTtlSeconds: 120 });
  });

  it('lets deny beat allow', () => {
    const c = classify(policy, intent('db.drop_table', 'prod', 'scratch-1'));
    expect(c.decision).toBe('deny');
    expect(c.ruleIds).toEqual(['no-drops', 'drop-anything']);
    expect(c.reasons).toEqual(['no-drops: drops are never automated']);
  });

  it('combines several reviews to the strictest', () => {
    const c = classify(policy, intent('db.export', 'prod'));
    expect(c.decision).toBe('review');
    expect(c.review).toEqual({ approverGroups: ['data', 'security'], quorum: 2, ttlSeconds: 1800 });
  });

  it('lets review beat allow', () => {
    const c = classify(policy, intent('db.export', 'dev', 'scratch-9'));
    expect(c.decision).toBe('review');
    expect(c.ruleIds).toEqual(['exports-data-team', 'drop-anything']);
  });

  it('matches `**` across segments and `*` within one', () => {
    expect(classify(policy, intent('iam.role.grant', 'prod')).ruleIds).toEqual(['iam']);
    expect(classify(policy, intent('db.query.slow', 'staging')).decision).toBe('review');
  });

  it('fails closed when nothing matches', () => {
    const c = classify(policy, intent('k8s.exec', 'prod'));
    expect(c).toMatchObject({ decision: 'review', ruleIds: [], review: { approverGroups: ['security'], quorum: 1 } });
  });

  it('can default to deny', () => {
    const strict = compilePolicy(
      PolicyDocument.parse({ apiVersion: 'countersign.dev/v1', kind: 'Policy', defaultEffect: 'deny' }),
      'v'.repeat(64),
    );
    expect(classify(strict, intent('db.query', 'dev')).decision).toBe('deny');
  });

  it('refuses a document with duplicate rule ids or unknown fields', () => {
    const dup = PolicyDocument.safeParse({
      apiVersion: 'countersign.dev/v1',
      kind: 'Policy',
      rules: [
        { id: 'a', match: { action: ['x.y'] }, effect: 'allow' },
        { id: 'a', match: { action: ['x.z'] }, effect: 'allow' },
      ],
    });
    expect(dup.success).toBe(false);
    expect(dup.error!.issues[0]!.message).toContain('duplicate rule id a');
    const unknown = PolicyDocument.safeParse({
      apiVersion: 'countersign.dev/v1',
      kind: 'Policy',
      rules: [{ id: 'a', match: { action: ['x.y'] }, effect: 'allow', approvers: ['x'] }],
    });
    expect(unknown.success).toBe(false);
  });
});
