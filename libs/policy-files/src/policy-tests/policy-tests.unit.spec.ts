import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '@countersign/domain';
import { loadPolicyDir } from '../load-policy-dir.js';
import { PolicyTestValidationError } from '../policy-validation.error.js';
import { loadPolicyTests } from './load-policy-tests.js';
import { formatSeconds, runPolicyTests } from './run-policy-tests.js';
import { DEFAULT_TEST_ISSUER, DEFAULT_TEST_NOW } from './test-fixture.js';

const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
classify:
  - resource: "db:prod/customers*"
    tags: [pii]
rules:
  - id: allow-dev
    effect: allow
    match: { env: [dev] }
  - id: review-export
    effect: review
    match: { action: [db.export], env: [prod] }
    approvers: [security]
    ttl: 1h
    mask: [args.query]
    grant: { claimWithin: 2m }
  - id: review-pii
    effect: review
    match: { tags: [pii] }
    approvers: [security, platform]
    quorum: 2
  - id: deny-drop
    effect: deny
    match: { action: ["db.drop*"] }
    reason: drops go through a change ticket
  - id: office-hours
    effect: allow
    match: { action: [db.vacuum] }
    when: "now.getHours('UTC') >= 9 && now.getHours('UTC') < 17"
`;

const EXPORT_INTENT = `    intent:
      action: db.export
      resource: { kind: db, id: customers, env: prod }
      args: { table: customers, query: "select * from customers" }
      justification: churn report
      requester: { kind: pipeline, subject: ci-deployer }
`;

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function testDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-policy-tests-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function loadError(dir: string): Promise<PolicyTestValidationError> {
  const error = await loadPolicyTests(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyTestValidationError);
  return error as PolicyTestValidationError;
}

let policy: CompiledPolicy;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-policy-'));
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  policy = (await loadPolicyDir(dir)).compiled;
  await rm(dir, { recursive: true, force: true });
});

describe('loadPolicyTests', () => {
  it('fills in the defaults: a fixed now, a test issuer, no groups, no tags', async () => {
    const dir = await testDir({ 'a.yaml': `tests:\n  - name: export\n${EXPORT_INTENT}    expect: { decision: review }\n` });
    const { files, tests } = await loadPolicyTests(dir);
    expect(files).toEqual(['a.yaml']);
    expect(tests).toEqual([
      expect.objectContaining({
        file: 'a.yaml',
        line: 2,
        name: 'export',
        now: new Date(DEFAULT_TEST_NOW),
        intent: expect.objectContaining({
          resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
          requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: DEFAULT_TEST_ISSUER, groups: [] },
        }),
      }),
    ]);
  });

  it('reports every problem of every file with its line', async () => {
    const dir = await testDir({
      'a.yaml': `tests:\n  - name: typo\n${EXPORT_INTENT}    expect:\n      decision: review\n      approver: [security]\n`,
      'b.yaml': `tests:\n  - name: allow with approvers\n${EXPORT_INTENT.replace('db.export', 'Not-An-Action')}    expect:\n      decision: allow\n      quorum: 2\n`,
      'c.yaml': 'tests:\n  - name: x\n   intent: {}\n',
    });
    const problems = (await loadError(dir)).problems;
    expect(problems).toEqual([
      { file: 'a.yaml', line: 11, path: 'tests.0.expect', message: 'unknown field(s) approver' },
      expect.objectContaining({ file: 'b.yaml', line: 4, path: 'tests.0.intent.action' }),
      expect.objectContaining({ file: 'b.yaml', line: 11, path: 'tests.0.expect.quorum', message: 'only a review has quorum; this test expects allow' }),
      expect.objectContaining({ file: 'c.yaml', line: 3, message: expect.stringMatching(/^invalid YAML/) }),
    ]);
  });

  it('refuses a test name used twice in a file, and a directory without fixtures', async () => {
    const test = `  - name: same\n${EXPORT_INTENT}    expect: { decision: review }\n`;
    const dir = await testDir({ 'a.yaml': `tests:\n${test}${test}` });
    expect((await loadError(dir)).problems).toEqual([
      { file: 'a.yaml', line: 10, path: 'tests.1.name', message: 'duplicate test name, already used at line 2' },
    ]);
    expect((await loadError(await testDir({}))).problems[0]?.message).toMatch(/no \*\.yaml/);
    expect((await loadError(join(dir, 'missing'))).problems[0]?.message).toMatch(/cannot read directory/);
  });

  it('accepts YAML merge keys so that fixtures can share an intent', async () => {
    const merged = await testDir({
      'a.yaml': `tests:\n  - name: export\n    intent: &export\n      action: db.export\n      resource: { kind: db, id: orders, env: prod }\n      requester: { kind: user, subject: alice }\n    expect: { decision: review }\n  - name: drop\n    intent: { <<: *export, action: db.drop_table }\n    expect: { decision: deny }\n`,
    });
    const { tests } = await loadPolicyTests(merged);
    expect(tests.map((t) => [t.intent.action, t.intent.resource.id])).toEqual([
      ['db.export', 'orders'],
      ['db.drop_table', 'orders'],
    ]);
  });
});

describe('runPolicyTests', () => {
  async function run(tests: string) {
    return runPolicyTests(policy, (await loadPolicyTests(await testDir({ 't.yaml': `tests:\n${tests}` }))).tests);
  }

  it('passes a test whose every stated expectation holds', async () => {
    const report = await run(`  - name: export
${EXPORT_INTENT}    expect:
      decision: review
      approvers: [platform, security]
      quorum: 2
      ttl: 1h
      stepUp: false
      breakGlass: false
      rules: [review-export, review-pii]
      tags: [pii]
      masked: [args.query]
      reason: "review by security"
      grant: { claimWithin: 2m, audience: "db:prod/customers" }
`);
    expect(report.results).toEqual([expect.objectContaining({ name: 'export', passed: true, mismatches: [] })]);
    expect(report).toMatchObject({ policyVersion: policy.version, passed: 1, failed: 0 });
  });

  it('lists every mismatch of a failing test in words', async () => {
    const report = await run(`  - name: wrong about everything
${EXPORT_INTENT}    expect:
      decision: review
      approvers: [security]
      quorum: 1
      ttl: 30m
      stepUp: true
      rules: [review-export]
      tags: [pii, finance]
      masked: []
      reason: change ticket
      grant: { useWithin: 30s }
`);
    expect(report).toMatchObject({ passed: 0, failed: 1 });
    expect(report.results[0]?.mismatches).toEqual([
      'approvers: expected [security], got [platform, security] (unexpected [platform])',
      'quorum: expected 1, got 2',
      'ttl: expected 30m, got 1h',
      'stepUp: expected true, got false',
      'rules: expected [review-export], got [review-export, review-pii] (unexpected [review-pii])',
      'tags: expected [finance] among the tags, got [pii]',
      'masked: expected [], got [args.query] (unexpected [args.query])',
      'reason: expected a reason containing "change ticket", got ["review-export: review by security","review-pii: review by security, platform"]',
      'grant.useWithin: expected 30s, got 1m',
    ]);
    expect(report.results[0]?.actual).toMatchObject({ decision: 'review', rules: ['review-export', 'review-pii'], masked: ['args.query'] });
  });

  it('reports a wrong decision, and what a non-review lacks', async () => {
    const report = await run(`  - name: drop is reviewed?
    intent:
      action: db.drop_table
      resource: { kind: db, id: orders, env: dev }
      requester: { kind: user, subject: alice }
    expect: { decision: review, approvers: [security], quorum: 1 }
`);
    expect(report.results[0]?.mismatches).toEqual([
      'decision: expected review, got deny',
      'approvers: expected [security], got [] (missing [security])',
      'quorum: expected 1, got none',
    ]);
  });

  it('evaluates conditions at the test’s own now (default: a fixed instant)', async () => {
    const vacuum = (now: string) => `  - name: vacuum ${now || 'default'}
    ${now ? `now: ${now}` : ''}
    intent:
      action: db.vacuum
      resource: { kind: db, id: orders, env: prod }
      requester: { kind: user, subject: alice }
    expect: { decision: allow }
`;
    const report = await run(vacuum('') + vacuum('2026-03-02T22:00:00Z'));
    expect(report.results.map((r) => r.passed)).toEqual([true, false]);
  });
});

describe('formatSeconds', () => {
  it('reads back the way a policy writes durations', () => {
    expect([30, 60, 90, 3600, 5400, 86_400].map(formatSeconds)).toEqual(['30s', '1m', '90s', '1h', '90m', '1d']);
  });
});
