import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';

// The countersign CLI as a pipeline runs it, against the five services as processes.
const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
let sys: System;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { done: Promise<Run>; stderr: () => string; interrupt: () => void } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, stderr: () => stderr, interrupt: () => child.kill('SIGINT') };
}

beforeAll(async () => {
  sys = await startSystem({ env: { POLICY_TIMER_INTERVAL_MS: '200' } });
  env = {
    PATH: process.env['PATH'] ?? '',
    COUNTERSIGN_URL: sys.urls.intake,
    COUNTERSIGN_POLICY_URL: sys.urls.policy,
    COUNTERSIGN_BROKER_URL: sys.urls.broker,
    COUNTERSIGN_TOKEN: await sys.token('ci-deployer'),
  };
});
afterAll(async () => {
  await sys?.stop();
});

const request = (action: string, resource: string, ...more: string[]) => [
  'request', '--action', action, '--resource', resource, '--justification', 'cli e2e', ...more,
];

describe('countersign request --wait', () => {
  it('exits 0 and prints the claimed grant for an allowed intent', async () => {
    const run = await cli(request('db.query', 'db:staging/orders', '--arg', 'sql=select 1', '--wait', '--timeout', '60s')).done;
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('exits 10 with the reason for a denied intent', async () => {
    const run = await cli(request('db.drop_table', 'db:prod/orders', '--wait')).done;
    expect(run.code).toBe(10);
    expect(run.stderr).toMatch(/denied by policy: deny-destructive-prod: destructive actions in prod/);
  });

  it('waits for two approvers (voting with the CLI), then runs the command with the grant in its environment', async () => {
    const waiting = cli([
      ...request('db.export', 'db:prod/customers', '--arg', 'table=customers', '--wait', '--timeout', '60s'),
      '--', process.execPath, '-e', 'console.log(process.env.COUNTERSIGN_GRANT ? "ran with a grant" : "no grant")',
    ]);
    const id = await expectEventually(() => {
      const m = /([0-9a-f-]{36}): waiting for platform \+ security \(0\/2 votes/.exec(waiting.stderr());
      expect(m).not.toBeNull();
      return m![1]!;
    }, { timeoutMs: 30_000 });
    const status = JSON.parse((await cli(['status', id, '--json']).done).stdout) as { reviewId: string };
    const bob = await cli(['approve', status.reviewId], { COUNTERSIGN_TOKEN: await sys.token('bob') }).done;
    expect(bob).toMatchObject({ code: 0, stdout: expect.stringMatching(/pending \(1\/2 approvals\)/) });
    const self = await cli(['approve', status.reviewId], { COUNTERSIGN_TOKEN: await sys.token('alice') }).done;
    expect(self.code).toBe(4);
    expect(self.stderr).toMatch(/OWNER_APPROVAL/);
    expect((await cli(['approve', status.reviewId], { COUNTERSIGN_TOKEN: await sys.token('erin') }).done).code).toBe(0);
    const run = await waiting.done;
    expect(run).toMatchObject({ code: 0, stdout: 'ran with a grant\n' });
  });

  it('exits 11 when rejected, 13 on timeout', async () => {
    const rejected = cli(request('db.export', 'db:prod/customers', '--arg', 'table=payments_archive', '--wait', '--timeout', '60s'));
    const id = await expectEventually(() => /([0-9a-f-]{36}): waiting/.exec(rejected.stderr())![1]!, { timeoutMs: 30_000 });
    const { reviewId } = JSON.parse((await cli(['status', id, '--json']).done).stdout) as { reviewId: string };
    expect((await cli(['reject', reviewId, '--reason', 'no ticket'], { COUNTERSIGN_TOKEN: await sys.token('dana') }).done).code).toBe(0);
    expect(await rejected.done).toMatchObject({ code: 11, stderr: expect.stringMatching(/rejected by a reviewer/) });
    const timedOut = await cli(request('db.export', 'db:prod/customers', '--arg', 'table=late', '--wait', '--timeout', '2s')).done;
    expect(timedOut.code).toBe(13);
  });

  it('on a terminal, redraws one status line in place (spinner, time, who is asked, votes) and leaves a summary', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal; -e passes its exit code on.
    const line = [process.execPath, CLI, ...request('db.export', 'db:prod/customers', '--arg', 'table=tty', '--wait', '--timeout', '60s')]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const child = spawn('script', ['-qefc', line, '/dev/null'], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const id = await expectEventually(() => /([0-9a-f-]{36}): waiting for platform \+ security \(0\/2 votes/.exec(out)![1]!, { timeoutMs: 30_000 });
    const { reviewId } = JSON.parse((await cli(['status', id, '--json']).done).stdout) as { reviewId: string };
    await cli(['approve', reviewId], { COUNTERSIGN_TOKEN: await sys.token('bob') }).done;
    await expectEventually(() => expect(out).toMatch(/\(1\/2 votes/), { timeoutMs: 15_000 });
    await cli(['approve', reviewId], { COUNTERSIGN_TOKEN: await sys.token('erin') }).done;
    expect(await done).toBe(0);
    expect(out).toContain('\r\u001b[2K');
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \d+s /);
    expect(out).toMatch(new RegExp(`\\[\\d+s\\] ${id}: granted`));
  });

  it('withdraws the intent on Ctrl-C while waiting and exits 130', async () => {
    const waiting = cli(request('db.export', 'db:prod/customers', '--arg', 'table=interrupted', '--wait', '--timeout', '60s'));
    const id = await expectEventually(() => /([0-9a-f-]{36}): waiting/.exec(waiting.stderr())![1]!, { timeoutMs: 30_000 });
    waiting.interrupt();
    const run = await waiting.done;
    expect(run).toMatchObject({ code: 130, stderr: expect.stringContaining(`interrupted: ${id} withdrawn`) });
    const status = JSON.parse((await cli(['status', id, '--json']).done).stdout) as { state: string };
    expect(status.state).toBe('withdrawn');
  });

  it('withdraws an intent submitted without --wait (countersign withdraw), then refuses a decided one with exit 4', async () => {
    const submitted = await cli(request('db.export', 'db:prod/customers', '--arg', 'table=later')).done;
    const id = submitted.stdout.trim();
    await expectEventually(async () => expect(JSON.parse((await cli(['status', id, '--json']).done).stdout)).toMatchObject({ state: 'pending_review' }));
    expect(await cli(['withdraw', id, '--reason', 'wrong table']).done).toMatchObject({ code: 0, stdout: `${id}: withdrawn\n` });
    const allowed = (await cli(request('db.query', 'db:staging/orders', '--arg', 'sql=select 2')).done).stdout.trim();
    await expectEventually(async () => expect(JSON.parse((await cli(['status', allowed, '--json']).done).stdout)).toMatchObject({ state: 'granted' }));
    const late = await cli(['withdraw', allowed]).done;
    expect(late).toMatchObject({ code: 4, stderr: expect.stringContaining('INTENT_DECIDED') });
  });

  it('exits 2 for bad input, 3 when intake is unreachable, 64 without a token', async () => {
    expect((await cli(request('DROP', 'db:prod/x')).done).code).toBe(2);
    expect((await cli(request('db.query', 'db:dev/x', '--url', 'http://127.0.0.1:1')).done).code).toBe(3);
    expect((await cli(request('db.query', 'db:dev/x'), { COUNTERSIGN_TOKEN: '' }).done).code).toBe(64);
  });
});
