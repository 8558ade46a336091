import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { memoryIo } from './shared/memory-io.js';

let work: string;
let dir: string;
let intentFile: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cs-cli-unit-'));
  dir = join(work, 'policy');
  intentFile = join(work, 'intent.yaml');
  await mkdir(dir);
  await writeFile(join(dir, 'policy.yaml'), 'apiVersion: countersign.dev/v1\nkind: Policy\nrules:\n  - id: a\n    effect: allow\n');
  await writeFile(intentFile, 'action: db.query\nresource: { kind: db, id: x, env: dev }\nrequester: { kind: user, subject: a }\n');
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env);
  const code = await runCli(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('runCli', () => {
  it('maps --help and --version to 0 and every parse error to 64, on one stderr line', async () => {
    expect((await run(['--version'])).code).toBe(0);
    const help = await run(['policy', 'test', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--tests <dir>');
    for (const args of [[], ['policy'], ['policy', 'validate'], ['policy', 'validate', dir, 'extra'], ['policy', 'validat', dir], ['policy', 'explain', dir, '--intent', 'x', '--timeout', '0']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(64);
    }
    const typo = await run(['policy', 'validat', dir]);
    expect(typo.stderr).toBe("error: unknown command 'validat' (Did you mean validate?)\n");
  });

  it('refuses explain with both or neither of DIR and --url', async () => {
    const both = await run(['policy', 'explain', dir, '--url', 'http://127.0.0.1:9', '--intent', 'x']);
    expect(both).toMatchObject({ code: 64, stderr: expect.stringMatching(/^error: give either a policy directory/) });
    expect((await run(['policy', 'explain', '--intent', 'x'])).code).toBe(64);
    const badUrl = await run(['policy', 'explain', '--url', 'ftp://x', '--intent', intentFile], { COUNTERSIGN_TOKEN: 't' });
    expect(badUrl.code).toBe(64);
    const now = await run(['policy', 'explain', '--url', 'http://x', '--now', '2026-01-01T00:00:00Z', '--intent', 'x'], { COUNTERSIGN_TOKEN: 't' });
    expect(now).toMatchObject({ code: 64, stderr: expect.stringContaining('--now applies to a local explain only') });
  });

  it('explains locally at the given instant', async () => {
    const result = await run(['policy', 'explain', dir, '--intent', intentFile, '--now', '2026-01-01T00:00:00Z', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ decision: 'allow', ruleIds: ['a'] });
  });

  it('names a missing intent file as a usage error and a missing policy dir as invalid', async () => {
    expect(await run(['policy', 'explain', dir, '--intent', join(work, 'nope.yaml')])).toMatchObject({ code: 64, stderr: expect.stringContaining('ENOENT') });
    const missing = await run(['policy', 'validate', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('cannot read directory');
  });
});
