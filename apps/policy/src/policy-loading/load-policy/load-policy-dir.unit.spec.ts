import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { classify, type CompiledPolicy } from '@countersign/domain';
import type { Intent } from '@countersign/contracts';
import { loadPolicyDir } from './load-policy-dir.js';
import { PolicyValidationError } from './policy-validation.error.js';

const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../../policies/demo');
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
    resource: { kind: 'db', id: 'customers', env, tags: [] },
    args: {},
    justification: 'test',
    requester: { kind: 'pipeline', subject: 'ci', issuer: 'urn:test', groups: [] },
  };
}

describe('loadPolicyDir', () => {
  it('names the file and line of a YAML syntax error', async () => {
    const dir = await policyDir({ 'a.yaml': HEADER, 'b.yaml': `${HEADER}rules: [\n  - id: x\n` });
    const error = await loadError(dir);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const p of error.problems) expect(p).toMatchObject({ file: 'b.yaml', message: expect.stringMatching(/^invalid YAML: .*line \d+/s) });
    expect(error.message).toContain('b.yaml');
  });

  it('names the file, rule id and path of an unknown field', async () => {
    const dir = await policyDir({
      'rules.yml': `${HEADER}rules:\n  - id: ok\n    effect: allow\n    match: { action: [db.query] }\n  - id: typo\n    effect: allow\n    match: { action: [db.query], enviroment: [dev] }\n`,
    });
    const error = await loadError(dir);
    expect(error.problems).toEqual([
      { file: 'rules.yml', ruleId: 'typo', path: 'rules.1.match', message: 'unknown field(s) enviroment' },
    ]);
    expect(error.message).toContain('rules.yml: rule typo: rules.1.match: unknown field(s) enviroment');
  });

  it('refuses a rule id defined in two files and names both', async () => {
    const rule = 'rules:\n  - id: shared\n    effect: deny\n    match: { action: [db.drop] }\n    reason: no\n';
    const dir = await policyDir({ '10-base.yaml': HEADER + rule, '20-extra.yaml': HEADER + rule });
    const error = await loadError(dir);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: '20-extra.yaml', ruleId: 'shared' });
    expect(error.problems[0]!.message).toContain('10-base.yaml');
  });

  it('reports the problems of every file at once', async () => {
    const dir = await policyDir({ 'a.yaml': 'apiVersion: v0\nkind: Policy\n', 'b.yaml': '- not a mapping\n' });
    const error = await loadError(dir);
    expect(error.problems.map((p) => p.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(error.problems[0]!.path).toBe('apiVersion');
  });

  it('refuses conflicting defaults and an empty directory', async () => {
    const conflict = await policyDir({ 'a.yaml': `${HEADER}defaultEffect: deny\n`, 'b.yaml': `${HEADER}defaultEffect: review\n` });
    expect((await loadError(conflict)).problems[0]).toMatchObject({ file: 'b.yaml', path: 'defaultEffect' });
    const empty = await policyDir({ 'README.md': '# not a policy' });
    expect((await loadError(empty)).problems[0]!.message).toMatch(/no \*\.yaml/);
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
  const decide = (action: string, env: string) => classify(policy, intent(action, env));

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
});
