import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubmitIntentRequest, type Intent } from '@countersign/contracts';
import { compilePolicy, explain, hmacTokenizer, PolicyDocument } from '@countersign/domain';

/*
 * Runs the built binary as a user's CI would: a real process, real files, real exit codes. The build
 * is incremental, so it costs a couple of seconds when `npm test` has already built everything.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/dist/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // The developer's own token must not leak into a test that expects none.
    const inherited = { ...process.env };
    delete inherited['COUNTERSIGN_TOKEN'];
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...inherited, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
rules:
  - id: allow-dev
    effect: allow
    match: { env: [dev] }
  - id: review-export
    effect: review
    match: { action: [db.export], env: [prod] }
    approvers: [security]
    mask: [args.query]
`;

const INTENT = `action: db.export
resource: { kind: db, id: customers, env: prod }
args: { table: customers, query: "select * from customers" }
justification: churn report
`;
const REQUESTER = 'requester: { kind: pipeline, subject: ci-deployer }\n';

const fixture = (name: string, expect: string) =>
  `  - name: ${name}\n    intent:\n${(INTENT + REQUESTER).replace(/^/gm, '      ').trimEnd()}\n    expect: ${expect}\n`;

let work: string;
let policyDir: string;
let badPolicyDir: string;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'apps/cli/tsconfig.app.json'], { cwd: ROOT });
  work = await mkdtemp(join(tmpdir(), 'cs-cli-'));
  policyDir = join(work, 'policy');
  badPolicyDir = join(work, 'bad-policy');
  await mkdir(join(policyDir, 'tests'), { recursive: true });
  await mkdir(badPolicyDir);
  await mkdir(join(work, 'failing-tests'));
  await mkdir(join(work, 'invalid-tests'));
  await writeFile(join(policyDir, 'policy.yaml'), POLICY);
  await writeFile(join(policyDir, 'tests', 'export.yaml'), `tests:\n${fixture('export is reviewed', '{ decision: review, approvers: [security], masked: [args.query] }')}`);
  await writeFile(join(work, 'failing-tests', 'export.yaml'), `tests:\n${fixture('export is allowed?', '{ decision: allow }')}${fixture('ok', '{ decision: review }')}`);
  await writeFile(join(work, 'invalid-tests', 'export.yaml'), `tests:\n${fixture('typo', '{ decison: review }')}`);
  await writeFile(join(badPolicyDir, 'policy.yaml'), `${POLICY}    when: "intent.args.count >"\n`);
  await writeFile(join(work, 'intent.yaml'), INTENT + REQUESTER);
  await writeFile(join(work, 'remote-intent.json'), JSON.stringify({ action: 'db.export', resource: { kind: 'db', id: 'c', env: 'prod' }, justification: 'j' }));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('countersign policy validate', () => {
  it('prints the rule count, files and version, exit 0', async () => {
    const run = await cli(['policy', 'validate', policyDir]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^ok: 2 rules in policy\.yaml, version [0-9a-f]{64}\n$/);
  });

  it('prints every problem as file:line: rule: path: message, exit 2, one error line', async () => {
    const run = await cli(['policy', 'validate', badPolicyDir]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`^${join(badPolicyDir, 'policy.yaml')}:12: rule review-export: rules\\.1\\.when: invalid CEL: `));
    expect(run.stderr).toBe(`error: policy in ${badPolicyDir} is invalid: 1 problem\n`);
  });
});

describe('countersign policy test', () => {
  it('passes, exit 0', async () => {
    const run = await cli(['policy', 'test', policyDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`PASS ${join(policyDir, 'tests', 'export.yaml')}:2 export is reviewed`);
    expect(run.stdout).toMatch(/\n1 passed, 0 failed\n$/);
  });

  it('lists each failing test with its mismatches, exit 1; --json for machines', async () => {
    const run = await cli(['policy', 'test', policyDir, '--tests', join(work, 'failing-tests')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL');
    expect(run.stdout).toContain('decision: expected allow, got review');
    expect(run.stdout).toMatch(/\n1 passed, 1 failed\n$/);
    expect(run.stderr).toBe('error: 1 of 2 policy tests failed\n');

    const json = await cli(['policy', 'test', policyDir, '--tests', join(work, 'failing-tests'), '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      passed: 1,
      failed: 1,
      results: [{ name: 'export is allowed?', passed: false, line: 2 }, { name: 'ok', passed: true }],
    });
  });

  it('refuses an invalid fixture or policy, exit 2', async () => {
    const fixtures = await cli(['policy', 'test', policyDir, '--tests', join(work, 'invalid-tests')]);
    expect(fixtures.code).toBe(2);
    expect(fixtures.stdout).toContain(`${join(work, 'invalid-tests', 'export.yaml')}:9: tests.0.expect: unknown field(s) decison`);
    expect((await cli(['policy', 'test', badPolicyDir])).code).toBe(2);
  });
});

describe('countersign policy explain (local)', () => {
  it('prints the decision, every rule and the masked values, exit 0', async () => {
    const run = await cli(['policy', 'explain', policyDir, '--intent', join(work, 'intent.yaml')]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^decision: review\n/);
    expect(run.stdout).toContain('skipped  allow-dev (allow): env prod is not in [dev]');
    expect(run.stdout).toContain('applied  review-export (review): every match criterion holds');
    expect(run.stdout).toContain('args.query (path:args.query)');
    const json = await cli(['policy', 'explain', policyDir, '--intent', join(work, 'intent.yaml'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ decision: 'review', ruleIds: ['review-export'] });
  });

  it('refuses an intent file that is not an intent, exit 2', async () => {
    const run = await cli(['policy', 'explain', policyDir, '--intent', join(work, 'remote-intent.json')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('requester');
  });
});

describe('usage errors, exit 64', () => {
  it.each([
    [['policy', 'validate']],
    [['policy', 'validate', '.', '--no-such-flag']],
    [['policy', 'explain', '--intent', 'x.yaml']],
    [['policy', 'frobnicate']],
  ])('%j', async (args) => {
    const run = await cli(args);
    expect(run.code).toBe(64);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('countersign policy explain --url (remote)', () => {
  // A stand-in for the policy service's POST /v1/policy/explain: starting the real service (NATS,
  // Postgres, token issuer) is not this app's business; the CLI only needs its HTTP contract.
  let server: Server;
  let url: string;
  const seen: Array<{ path: string | undefined; auth: string | undefined; body: unknown }> = [];
  const policy = compilePolicy(PolicyDocument.parse({ apiVersion: 'countersign.dev/v1', kind: 'Policy' }), 'f'.repeat(64));

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      void readBody(req).then((body) => {
        seen.push({ path: req.url, auth: req.headers.authorization, body });
        const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
        if (req.headers.authorization === 'Bearer good') {
          // As the real endpoint does: the body is a submit request, the requester comes from the token.
          const intent: Intent = { ...SubmitIntentRequest.parse(body), requester: { kind: 'user', subject: 'alice', issuer: 'urn:t', groups: [] } };
          send(200, explain(policy, intent, { now: new Date(), tokenize: hmacTokenizer('k'.repeat(32)) }));
        } else if (req.headers.authorization === 'Bearer broken') {
          send(500, { error: { code: 'INTERNAL', message: 'internal error' } });
        } else send(401, { error: { code: 'UNAUTHENTICATED', message: 'token expired' } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const remote = (token: string, target = url, file = 'remote-intent.json') =>
    cli(['policy', 'explain', '--url', target, '--intent', join(work, file)], { COUNTERSIGN_TOKEN: token });

  it('prints the server’s explanation, exit 0, and sends no requester', async () => {
    const run = await remote('good');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^decision: review\n/);
    expect(seen.at(-1)).toEqual({
      path: '/v1/policy/explain',
      auth: 'Bearer good',
      body: { action: 'db.export', resource: { kind: 'db', id: 'c', env: 'prod', tags: [] }, args: {}, justification: 'j' },
    });
  });

  it('exit 4 when the server refuses, 3 on a server error or when nothing listens', async () => {
    const refused = await remote('stale');
    expect(refused).toMatchObject({ code: 4, stderr: 'error: server refused the request: 401 UNAUTHENTICATED: token expired\n' });
    const broken = await remote('broken');
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/^error: server error from .*: 500 INTERNAL: internal error\n$/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await remote('good', `http://127.0.0.1:${port}`);
    expect(unreachable).toMatchObject({ code: 3, stderr: `error: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n` });
  });

  it('a requester in the file or a missing token is a usage error, exit 64', async () => {
    expect((await remote('good', url, 'intent.yaml')).code).toBe(64);
    const noToken = await cli(['policy', 'explain', '--url', url, '--intent', join(work, 'remote-intent.json')]);
    expect(noToken).toMatchObject({ code: 64, stderr: expect.stringContaining('COUNTERSIGN_TOKEN is not set') });
  });
});
