import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { classify, hmacTokenizer, type CompiledPolicy } from '@countersign/domain';
import type { Intent } from '@countersign/contracts';
import { loadPolicyDir } from './load-policy-dir.js';
import { PolicyValidationError } from './policy-validation.error.js';
import { loadPolicyTests } from './policy-tests/load-policy-tests.js';
import { runPolicyTests } from './policy-tests/run-policy-tests.js';

const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../policies/demo');
const HEADER = 'apiVersion: countersign.dev/v1\nkind: Policy\n';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function policyDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-policy-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function loadError(dir: string): Promise<PolicyValidationError> {
  const error = await loadPolicyDir(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyValidationError);
  return error as PolicyValidationError;
}

function intent(action: string, env: string): Intent {
  return {
    action,
    resource: { kind: 'db', id: 'orders', env, tags: [] },
    args: {},
    justification: 'test',
    requester: { kind: 'pipeline', subject: 'ci', issuer: 'urn:test', groups: [] },
  };
}

const RULES = `${HEADER}rules:\n`;

describe('loadPolicyDir: every problem at its file and line', () => {
  it('reports a CEL syntax error at the line of the `when:` value, with the rule id', async () => {
    const dir = await policyDir({
      'rules.yaml': `${RULES}  - id: ok\n    effect: allow\n    match: { action: [db.query] }\n  - id: bad-cel\n    effect: deny\n    reason: no\n    when: "intent.args.count >"\n`,
    });
    const [problem, ...rest] = (await loadError(dir)).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: 'rules.yaml', line: 10, ruleId: 'bad-cel', path: 'rules.1.when' });
    expect(problem?.message).toMatch(/^invalid CEL: /);
  });

  it('reports an unknown field at its own line', async () => {
    const dir = await policyDir({
      'rules.yml': `${RULES}  - id: ok\n    effect: allow\n    match: { action: [db.query] }\n  - id: typo\n    effect: allow\n    match:\n      action: [db.query]\n      enviroment: [dev]\n`,
    });
    const error = await loadError(dir);
    expect(error.problems).toEqual([
      { file: 'rules.yml', line: 11, ruleId: 'typo', path: 'rules.1.match', message: 'unknown field(s) enviroment' },
    ]);
    expect(error.message).toContain('rules.yml:11: rule typo: rules.1.match: unknown field(s) enviroment');
  });

  it('reports a bad mask path at the line of the pattern', async () => {
    const dir = await policyDir({
      'mask.yaml': `${HEADER}masking:\n  paths:\n    - args.query\n    - resource.id\n${RULES.slice(HEADER.length)}  - id: export\n    effect: allow\n    mask:\n      - "args.**.**"\n`,
    });
    const problems = (await loadError(dir)).problems;
    expect(problems).toEqual([
      expect.objectContaining({ file: 'mask.yaml', line: 6, path: 'masking.paths.1', message: expect.stringContaining("'resource.id'") }),
      expect.objectContaining({ file: 'mask.yaml', line: 11, ruleId: 'export', path: 'rules.0.mask.0', message: expect.stringContaining('redundant') }),
    ]);
  });

  it('reports a quorum below the number of approver groups at the quorum, or at the rule when it is implied', async () => {
    const review = (id: string, quorum: string) =>
      `  - id: ${id}\n    effect: review\n    approvers: [security, platform]\n${quorum}    match: { action: [iam.role.grant] }\n`;
    const dir = await policyDir({ 'q.yaml': RULES + review('explicit', '    quorum: 1\n') + review('implied', '') });
    expect((await loadError(dir)).problems).toEqual([
      expect.objectContaining({ line: 7, ruleId: 'explicit', path: 'rules.0.quorum', message: expect.stringMatching(/quorum 1 is less than the 2 approver groups/) }),
      expect.objectContaining({ line: 9, ruleId: 'implied', path: 'rules.1.quorum' }),
    ]);
  });

  it('refuses a rule id defined in two files, at the line of the second', async () => {
    const rule = '  - id: shared\n    effect: deny\n    match: { action: [db.drop] }\n    reason: no\n';
    const dir = await policyDir({ '10-base.yaml': RULES + rule, '20-extra.yaml': `${RULES}  - id: other\n    effect: allow\n${rule}` });
    const error = await loadError(dir);
    expect(error.problems).toEqual([
      { file: '20-extra.yaml', line: 6, ruleId: 'shared', path: 'rules.1.id', message: 'duplicate rule id, already defined in 10-base.yaml' },
    ]);
  });

  it('names the file and line of a YAML syntax error', async () => {
    const dir = await policyDir({ 'a.yaml': HEADER, 'b.yaml': `${HEADER}rules:\n  - id: x\n    effect: allow\n   bad: indent\n` });
    const error = await loadError(dir);
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems[0]).toMatchObject({ file: 'b.yaml', line: 6, path: '', message: expect.stringMatching(/^invalid YAML: .*\(column \d+\)$/) });
    expect(error.message).toContain('b.yaml:6: invalid YAML');
  });

  it('refuses conflicting defaultEffect at its line in the second file, and an empty directory', async () => {
    const conflict = await policyDir({ 'a.yaml': `${HEADER}defaultEffect: deny\n`, 'b.yaml': `# b\n${HEADER}defaultEffect: review\n` });
    expect((await loadError(conflict)).problems).toEqual([
      { file: 'b.yaml', line: 4, path: 'defaultEffect', message: 'conflicts with defaultEffect in a.yaml' },
    ]);
    const empty = await policyDir({ 'README.md': '# not a policy' });
    expect((await loadError(empty)).problems[0]?.message).toMatch(/no \*\.yaml/);
  });

  it('reports a missing field at the line of the mapping that lacks it', async () => {
    const dir = await policyDir({ 'r.yaml': `${RULES}  - id: deny-without-reason\n    effect: deny\n` });
    expect((await loadError(dir)).problems).toEqual([
      expect.objectContaining({ line: 4, ruleId: 'deny-without-reason', path: 'rules.0.reason' }),
    ]);
  });

  it('reports the problems of every file at once', async () => {
    const dir = await policyDir({ 'a.yaml': 'apiVersion: v0\nkind: Policy\n', 'b.yaml': '- not a mapping\n' });
    const error = await loadError(dir);
    expect(error.problems.map((p) => [p.file, p.line, p.path])).toEqual([
      ['a.yaml', 1, 'apiVersion'],
      ['b.yaml', 1, ''],
    ]);
  });

  it('merges files in name order and versions by content, not by file layout', async () => {
    const allow = 'rules:\n  - id: a\n    effect: allow\n    match: { action: [db.query] }\n';
    const deny = 'rules:\n  - id: b\n    effect: deny\n    match: { action: [db.drop] }\n    reason: no\n';
    const split = await loadPolicyDir(await policyDir({ '2.yaml': HEADER + deny, '1.yml': HEADER + allow }));
    expect(split.files).toEqual(['1.yml', '2.yaml']);
    expect(split.compiled.document.rules.map((r) => r.id)).toEqual(['a', 'b']);
    const together = await loadPolicyDir(
      await policyDir({ 'all.yaml': `${HEADER}rules:\n${allow.slice(7)}${deny.slice(7)}` }),
    );
    expect(together.compiled.version).toBe(split.compiled.version);
    expect(split.compiled.version).toMatch(/^[0-9a-f]{64}$/);
    const changed = await loadPolicyDir(await policyDir({ 'a.yaml': HEADER + allow }));
    expect(changed.compiled.version).not.toBe(split.compiled.version);
  });
});

describe('the demo policy', () => {
  let policy: CompiledPolicy;
  const ctx = { now: new Date('2026-01-05T12:00:00Z'), tokenize: hmacTokenizer('k'.repeat(32)) };
  const decide = (action: string, env: string) => classify(policy, intent(action, env), ctx);

  it('loads and classifies as its README documents', async () => {
    policy = (await loadPolicyDir(DEMO_DIR)).compiled;
    expect(decide('db.query', 'dev').decision).toBe('allow');
    expect(decide('db.query', 'prod').decision).toBe('review'); // no rule: default review
    expect(decide('deploy.service', 'staging').decision).toBe('allow');
    expect(decide('deploy.service', 'prod').decision).toBe('review');
    expect(decide('db.drop_table', 'prod')).toMatchObject({ decision: 'deny', ruleIds: ['deny-destructive-prod'] });
    expect(decide('iam.user.delete', 'prod').decision).toBe('deny'); // deny beats the iam review
    expect(decide('db.export', 'prod')).toMatchObject({
      decision: 'review',
      review: { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600 },
      grant: { claimTtlSeconds: 120, useTtlSeconds: 30 },
    });
    expect(decide('iam.role.grant', 'dev')).toMatchObject({
      decision: 'review',
      review: { approverGroups: ['platform', 'security'], quorum: 2 },
    });
  });

  // The demo's fixtures are what `countersign policy test policies/demo` runs; running them here keeps
  // the demo and its documented behaviour from drifting apart.
  it('passes its own fixtures in policies/demo/tests', async () => {
    const { compiled } = await loadPolicyDir(DEMO_DIR);
    const { tests } = await loadPolicyTests(join(DEMO_DIR, 'tests'));
    const report = runPolicyTests(compiled, tests);
    expect(report.results.filter((r) => !r.passed).map((r) => ({ test: `${r.file}:${r.line} ${r.name}`, mismatches: r.mismatches }))).toEqual([]);
    expect(report.passed).toBeGreaterThan(0);
  });
});
