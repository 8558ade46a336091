import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RejectedError, type IntentViewResponse } from '@countersign/sdk';
import { createTestDatabase, expectEventually, type TestDatabase } from '@countersign/testing';
import { exportTableTool } from '../../docs/recipes/agent-export-table/export-table-agent.js';
import { startGithubOidc, type GithubOidc } from '../support/github-oidc.js';
import { startSystem, type System } from '../support/system.js';
import { call } from '../system/client.js';

// docs/recipes, run as written: the workflow step's script, the shell step, the agent's tool.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RECIPES = join(ROOT, 'docs/recipes');
const CLI_BIN = join(ROOT, 'apps/cli/bin/countersign.mjs');
const SHA = 'f'.repeat(40);

let sys: System;
let github: GithubOidc;
let target: TestDatabase;
let work: string;
let binDir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): { done: Promise<Run>; stderr: () => string } {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))), stderr: () => stderr };
}

/** The review an intent waits on, once its status line names the intent. */
async function reviewOf(stderr: () => string, token: string): Promise<string> {
  const id = await expectEventually(() => /([0-9a-f-]{36}): waiting for/.exec(stderr())![1]!, { timeoutMs: 30_000 });
  const view = await call<IntentViewResponse>('GET', `${sys.urls.intake}/v1/intents/${id}`, { token });
  return view.body.reviewId!;
}

async function vote(reviewId: string, who: string, decision: 'approve' | 'reject') {
  return call<{ error?: { code: string } }>('POST', `${sys.urls.policy}/v1/reviews/${reviewId}/votes`, {
    token: await sys.token(who),
    body: decision === 'reject' ? { decision, reason: 'not tonight' } : { decision },
  });
}

beforeAll(async () => {
  github = await startGithubOidc({ repository: 'acme/payments', ref: 'refs/heads/main', sha: SHA, actor: 'alice', runId: '4242' });
  target = await createTestDatabase('cs_recipe_crm');
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  await admin.query(`CREATE TABLE customers (id int PRIMARY KEY, email text); INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 5) g;
                     CREATE TABLE salaries (id int); REVOKE ALL ON DATABASE ${pg.escapeIdentifier(target.name)} FROM PUBLIC`);
  await admin.end();
  sys = await startSystem({
    env: {
      POLICY_TIMER_INTERVAL_MS: '200',
      AUTH_ISSUERS: JSON.stringify([
        { issuer: github.issuer, jwksUri: github.jwksUri, defaults: { kind: 'pipeline', scopes: ['intents:write', 'grants:claim'], ownerClaim: 'actor' } },
      ]),
      BROKER_PG_TARGETS: JSON.stringify({ 'db:prod/crm': target.url }),
    },
  });
  work = await mkdtemp(join(tmpdir(), 'cs-recipes-'));
  // `countersign` as an install provides it: a project's node_modules/.bin, and a PATH entry for shell steps.
  binDir = join(work, 'bin');
  await mkdir(binDir);
  await symlink(CLI_BIN, join(binDir, 'countersign'));
}, 180_000);

afterAll(async () => {
  await sys?.stop();
  await github?.stop();
  await target?.drop();
  await rm(work, { recursive: true, force: true });
});

describe('recipe: GitHub Actions step with the job OIDC token', () => {
  it('asks with a token of GitHub shape, refuses the pusher as approver, and deploys after a reviewer approves', async () => {
    const workflow = parse(await readFile(join(RECIPES, 'github-actions/deploy.yml'), 'utf8')) as {
      permissions: Record<string, string>;
      jobs: { deploy: { steps: Array<{ name?: string; run?: string; env?: Record<string, string> }> } };
    };
    expect(workflow.permissions['id-token']).toBe('write');
    const step = workflow.jobs.deploy.steps.find((s) => s.name?.startsWith('Ask Countersign'));
    const repo = join(work, 'checkout');
    await mkdir(join(repo, 'node_modules/.bin'), { recursive: true });
    await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'payments', private: true }));
    await symlink(CLI_BIN, join(repo, 'node_modules/.bin/countersign'));
    await writeFile(join(repo, 'deploy.sh'), '#!/bin/sh\necho "deployed $GITHUB_SHA with a grant for $COUNTERSIGN_GRANT_AUDIENCE (${#COUNTERSIGN_GRANT} bytes)"\n', { mode: 0o755 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '',
      HOME: work,
      GITHUB_ACTIONS: 'true',
      GITHUB_SHA: SHA,
      GITHUB_REPOSITORY: 'acme/payments',
      GITHUB_ACTOR: 'alice',
      GITHUB_RUN_ID: '4242',
      ...github.jobEnv,
      // The step's own env, pointed at this machine's services instead of countersign.example.com.
      ...Object.fromEntries(Object.keys(step?.env ?? {}).map((k) => [k, { COUNTERSIGN_URL: sys.urls.intake, COUNTERSIGN_POLICY_URL: sys.urls.policy, COUNTERSIGN_BROKER_URL: sys.urls.broker }[k]])),
    };
    const job = run('bash', ['-e', '-c', step!.run!], { cwd: repo, env });
    const reviewId = await reviewOf(job.stderr, await sys.token('carol'));
    expect(github.issued).toBeGreaterThan(0);
    const pusher = await vote(reviewId, 'alice', 'approve');
    expect([pusher.status, pusher.body.error?.code]).toEqual([403, 'OWNER_APPROVAL']);
    expect((await vote(reviewId, 'bob', 'approve')).status).toBe(200);
    const done = await job.done;
    expect(done).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^deployed ${SHA} with a grant for app:prod/payments-api \\(\\d+ bytes\\)`)) });
  });
});

describe('recipe: shell pipeline step', () => {
  const script = join(RECIPES, 'shell-pipeline/export-report.sh');
  const env = async (extra: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> => ({
    PATH: `${binDir}:${process.env['PATH'] ?? ''}`,
    COUNTERSIGN_URL: sys.urls.intake,
    COUNTERSIGN_POLICY_URL: sys.urls.policy,
    COUNTERSIGN_BROKER_URL: sys.urls.broker,
    COUNTERSIGN_TOKEN: await sys.token('ci-deployer'),
    CI_JOB_ID: '77',
    ...extra,
  });

  it('runs an allowed query at once with a redeemed grant', async () => {
    const done = await run('bash', [script], { cwd: work, env: await env({ REPORT_ENV: 'staging' }) }).done;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/"action":"db.query"/);
    expect(done.stdout).toContain('report: approved and redeemed, running the query');
  });

  it('stops with exit 1 and says why when a reviewer rejects, without redeeming anything', async () => {
    const step = run('bash', [script], { cwd: work, env: await env({ REPORT_ENV: 'prod' }) });
    const reviewId = await reviewOf(step.stderr, await sys.token('carol'));
    expect((await vote(reviewId, 'bob', 'reject')).status).toBe(200);
    const done = await step.done;
    expect(done).toMatchObject({ code: 1, stdout: '' });
    expect(done.stderr).toContain('report: not approved (exit 11), nothing ran');
  });
});

describe('recipe: an agent with a gated exportTable tool', () => {
  it('gets a Postgres login for exactly the approved table, reads through it, and never runs on rejection', async () => {
    const states: IntentViewResponse[] = [];
    const exportTable = exportTableTool({
      intakeUrl: sys.urls.intake,
      brokerUrl: sys.urls.broker,
      token: await sys.token('support-agent'),
      env: 'prod',
      database: 'crm',
      timeoutMs: 60_000,
      onState: (v) => states.push(v),
    });
    const approveWhenAsked = async (decision: 'approve' | 'reject') => {
      const pending = await expectEventually(
        () => {
          const found = states.find((v) => v.state === 'pending_review' && !decided.has(v.id));
          expect(found).toBeDefined();
          return found!;
        },
        { timeoutMs: 30_000 },
      );
      decided.add(pending.id);
      const owner = await vote(pending.reviewId!, 'bob', 'approve');
      expect(owner.body.error?.code).toBe('OWNER_APPROVAL');
      expect((await vote(pending.reviewId!, 'dana', decision)).status).toBe(200);
    };
    const decided = new Set<string>();

    const rows = exportTable({ table: 'customers', limit: 3, why: 'churn analysis the user asked for' });
    await approveWhenAsked('approve');
    expect(await rows).toEqual([1, 2, 3].map((id) => ({ id, email: `c${id}@example.com` })));

    const refused = exportTable({ table: 'salaries', limit: 1, why: 'curious' }).catch((e: unknown) => e);
    await approveWhenAsked('reject');
    expect(await refused).toBeInstanceOf(RejectedError);
  });
});
