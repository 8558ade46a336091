import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApprovalError,
  DeniedError,
  ExpiredError,
  gate,
  RefusedError,
  RejectedError,
  requireApproval,
  TimeoutError,
  UnreachableError,
  WithdrawnError,
  type ApprovedGrant,
  type IntentViewResponse,
  type RequireApprovalOptions,
  type SubmitIntentRequest,
} from '@countersign/sdk';
import { startSystem, type System } from '../support/system.js';
import { call } from './client.js';

// @countersign/sdk's requireApproval and gate against the five services, each typed error from its real cause.
const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
defaultEffect: deny
rules:
  - id: allow-query
    effect: allow
    match: { action: [db.query] }
  - id: deny-drop
    effect: deny
    match: { action: [db.drop_table] }
    reason: destructive actions go through a change ticket
  - id: review-export
    effect: review
    match: { action: [db.export] }
    approvers: [security]
    quorum: 1
  - id: review-rotation-quickly
    effect: review
    match: { action: [kms.key.rotate] }
    approvers: [security]
    ttl: 2s
`;

let sys: System;
let policyDir: string;
let opts: RequireApprovalOptions;

const intent = (action: string, args: Record<string, unknown> = {}, env = 'prod'): SubmitIntentRequest => ({
  action,
  resource: { kind: 'db', id: 'customers', env, tags: [] },
  args,
  justification: 'sdk e2e',
});

async function failure(p: Promise<unknown>): Promise<ApprovalError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ApprovalError);
  return e as ApprovalError;
}

/** Waits until the intent asks for review, then votes on it as `who`. */
async function voteWhenAsked(states: IntentViewResponse[], who: string, decision: 'approve' | 'reject'): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const pending = states.find((v) => v.state === 'pending_review' && v.reviewId);
    if (pending) {
      const vote = await call('POST', `${sys.urls.policy}/v1/reviews/${pending.reviewId}/votes`, {
        token: await sys.token(who),
        body: decision === 'reject' ? { decision, reason: 'not today' } : { decision },
      });
      expect(vote.status).toBe(200);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the intent never asked for review');
}

beforeAll(async () => {
  policyDir = await mkdtemp(join(tmpdir(), 'cs-sdk-policy-'));
  await writeFile(join(policyDir, 'policy.yaml'), POLICY);
  sys = await startSystem({ env: { POLICY_DIR: policyDir, POLICY_TIMER_INTERVAL_MS: '200' } });
  opts = { intakeUrl: sys.urls.intake, brokerUrl: sys.urls.broker, token: await sys.token('ci-deployer'), timeoutMs: 30_000 };
});
afterAll(async () => {
  await sys?.stop();
  await rm(policyDir, { recursive: true, force: true });
});

describe('requireApproval', () => {
  it('resolves to the claimed grant of an allowed intent, bound to its hash', async () => {
    const grant = await requireApproval(intent('db.query', { sql: 'select 1' }), opts);
    expect(grant).toMatchObject({ intentId: expect.any(String), intentHash: expect.stringMatching(/^[0-9a-f]{64}$/), credential: { kind: 'signed-grant' } });
    expect(grant.grant.split('.')).toHaveLength(3);
  });

  it('throws DeniedError with the rule reason, RejectedError on a reject vote, ExpiredError when the review ttl passes', async () => {
    const denied = await failure(requireApproval(intent('db.drop_table'), opts));
    expect(denied).toBeInstanceOf(DeniedError);
    expect((denied as DeniedError).reasons.join()).toContain('destructive actions go through a change ticket');
    expect(denied.intentId).toMatch(/^[0-9a-f-]{36}$/);

    const states: IntentViewResponse[] = [];
    const rejecting = failure(requireApproval(intent('db.export', { table: 'a' }), { ...opts, onState: (v) => void states.push(v) }));
    await voteWhenAsked(states, 'bob', 'reject');
    expect(await rejecting).toBeInstanceOf(RejectedError);

    const expired = await failure(requireApproval(intent('kms.key.rotate'), opts));
    expect(expired).toBeInstanceOf(ExpiredError);
    expect((expired as ExpiredError).stage).toBe('review');
  });

  it('throws TimeoutError after timeoutMs (withdrawing when asked to), RefusedError for bad input, UnreachableError with nothing listening', async () => {
    const timedOut = await failure(requireApproval(intent('db.export', { table: 'slow' }), { ...opts, timeoutMs: 1_500, withdrawOnTimeout: true }));
    expect(timedOut).toMatchObject({ code: 'TIMEOUT', withdrawn: true });
    expect(timedOut).toBeInstanceOf(TimeoutError);
    const after = await call<IntentViewResponse>('GET', `${sys.urls.intake}/v1/intents/${timedOut.intentId}`, { token: await sys.token('ci-deployer') });
    expect(after.body.state).toBe('withdrawn');

    const bad = await failure(requireApproval({ ...intent('db.query'), resource: { kind: 'db', id: 'x', env: 'PROD', tags: [] } }, opts));
    expect(bad).toBeInstanceOf(RefusedError);
    expect(bad).toMatchObject({ status: 400, serverCode: 'VALIDATION_FAILED', field: 'resource.env', intentId: undefined });

    const nobody = await failure(requireApproval(intent('db.query'), { ...opts, intakeUrl: 'http://127.0.0.1:1', retries: 0 }));
    expect(nobody).toBeInstanceOf(UnreachableError);
  });

  it('withdraws the intent when its AbortSignal fires: WithdrawnError, the review closed, votes refused, the audit trail has it', async () => {
    const states: IntentViewResponse[] = [];
    const controller = new AbortController();
    const waiting = failure(requireApproval(intent('db.export', { table: 'abort' }), { ...opts, signal: controller.signal, onState: (v) => void states.push(v) }));
    const deadline = Date.now() + 30_000;
    while (!states.some((v) => v.state === 'pending_review') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const error = await waiting;
    expect(error).toBeInstanceOf(WithdrawnError);
    const reviewId = states.find((v) => v.reviewId)?.reviewId;
    const vote = await call<{ error?: { code: string } }>('POST', `${sys.urls.policy}/v1/reviews/${reviewId}/votes`, { token: await sys.token('bob'), body: { decision: 'approve' } });
    expect([vote.status, vote.body.error?.code]).toEqual([409, 'REVIEW_DECIDED']);
    const review = await call<{ state: string }>('GET', `${sys.urls.policy}/v1/reviews/${reviewId}`, { token: await sys.token('bob') });
    expect(review.body.state).toBe('withdrawn');
    const auditor = await sys.token('carol');
    const deadlineAudit = Date.now() + 10_000;
    let types: string[] = [];
    while (Date.now() < deadlineAudit) {
      const trail = await call<{ events: Array<{ type: string }> }>('GET', `${sys.urls.audit}/v1/audit/events?intentId=${error.intentId}&limit=100`, { token: auditor });
      types = trail.body.events.map((e) => e.type);
      if (types.includes('review.concluded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(types).toEqual(expect.arrayContaining(['intent.submitted', 'intent.classified', 'review.requested', 'intent.withdrawn', 'review.concluded']));
    expect(types).not.toContain('grant.issued');
  });
});

describe('requireApproval across a restart', () => {
  it('waits out intake being down while the review is open, then claims the grant once approved', async () => {
    const states: IntentViewResponse[] = [];
    const waiting = requireApproval(intent('db.export', { table: 'restart' }), { ...opts, onState: (v) => void states.push(v) });
    const deadline = Date.now() + 30_000;
    while (!states.some((v) => v.state === 'pending_review') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sys.kill('intake');
    await voteWhenAsked(states, 'bob', 'approve');
    await new Promise((r) => setTimeout(r, 1_000));
    await sys.restart('intake');
    const grant = await waiting;
    expect(grant).toMatchObject({ intentId: states[0]?.id, credential: { kind: 'signed-grant' } });
  });
});

describe('gate', () => {
  it('never runs the tool on denial or rejection, and runs it exactly once, with the grant, on approval', async () => {
    const runs: Array<{ table: string; grant: ApprovedGrant }> = [];
    const states: IntentViewResponse[] = [];
    const exportTable = gate(
      async (args: { table: string; action?: string }, grant) => {
        runs.push({ table: args.table, grant });
        return `exported ${args.table}`;
      },
      (args) => intent(args.action ?? 'db.export', { table: args.table }),
      { ...opts, onState: (v) => void states.push(v) },
    );
    expect(await failure(exportTable({ table: 'orders', action: 'db.drop_table' }))).toBeInstanceOf(DeniedError);
    const rejected = failure(exportTable({ table: 'payments' }));
    await voteWhenAsked(states, 'bob', 'reject');
    expect(await rejected).toBeInstanceOf(RejectedError);
    expect(runs).toHaveLength(0);

    states.length = 0;
    const approved = exportTable({ table: 'customers' });
    await voteWhenAsked(states, 'bob', 'approve');
    expect(await approved).toBe('exported customers');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ table: 'customers', grant: { intentId: states[0]?.id, credential: { kind: 'signed-grant' } } });
  });
});
