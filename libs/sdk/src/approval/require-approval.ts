import type { ClaimedGrantResponse, IntentViewResponse, SubmitIntentRequest } from '@countersign/contracts';
import { claimGrant } from '../claim-grant.js';
import { BrokerRequestError } from '../errors.js';
import {
  AbortedError,
  DeniedError,
  ExpiredError,
  RefusedError,
  RejectedError,
  TimeoutError,
  UnreachableError,
  WithdrawnError,
  type ApprovalError,
} from './approval-errors.js';
import { submitIntent, withdrawIntent, type SubmitOptions } from './intake-api.js';
import { resolveToken } from './token-source.js';
import { waitForDecision } from './wait-for-decision.js';

export interface RequireApprovalOptions extends SubmitOptions {
  /** Base URL of the broker, where the grant is claimed. */
  brokerUrl: string | URL;
  /** How long to wait for a decision (default 15 min); then a TimeoutError. */
  timeoutMs?: number;
  /** Cancels the wait and withdraws the intent (WithdrawnError; AbortedError if it was decided first). */
  signal?: AbortSignal;
  /** Withdraw the intent when `timeoutMs` passes, so reviewers are not asked about what nobody awaits. */
  withdrawOnTimeout?: boolean;
  /** Called once per state change (submitted, pending_review, …): a status line, a log entry. */
  onState?: (view: IntentViewResponse) => void | Promise<void>;
}

/** The claimed grant of an approved (or allowed) intent: `credential.secret` is what the target accepts. */
export interface ApprovedGrant extends ClaimedGrantResponse {
  intentId: string;
  intentHash: string;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a settled intent that carries no grant means for the caller. */
function outcomeError(view: IntentViewResponse): ApprovalError | undefined {
  switch (view.state) {
    case 'denied':
      return new DeniedError(view.id, view.reasons ?? []);
    case 'rejected':
      return new RejectedError(view.id, []);
    case 'expired':
      return new ExpiredError(view.id, 'review');
    case 'grant_expired':
      return new ExpiredError(view.id, 'grant');
    case 'withdrawn':
      return new WithdrawnError(view.id);
    case 'revoked':
      return new RefusedError(view.id, 410, 'GRANT_REVOKED', `the grant of intent ${view.id} was revoked`);
    case 'claimed':
    case 'redeemed':
      return new RefusedError(view.id, 409, 'GRANT_ALREADY_CLAIMED', `the grant of intent ${view.id} was already claimed elsewhere`);
    default:
      return undefined;
  }
}

/**
 * Submits the intent, waits for its decision and, on approval (or an allow), claims the grant once and
 * resolves to it. Anything else is a typed ApprovalError: DeniedError, RejectedError, ExpiredError,
 * TimeoutError, WithdrawnError, AbortedError, RefusedError (a 4xx), UnreachableError (no answer to the
 * submit or the claim). The grant exists only in the returned object: keep it in memory, never log it.
 */
export async function requireApproval(intent: SubmitIntentRequest, opts: RequireApprovalOptions): Promise<ApprovedGrant> {
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const submitted = await submitIntent(intent, opts);
  const id = submitted.id;
  const waited = await waitForDecision({ ...opts, intentId: id, deadline, signal: opts.signal, onState: opts.onState });
  if ('stopped' in waited) {
    if (waited.stopped === 'aborted') throw await withdrawAfterAbort(id, opts, waited.last?.state);
    const withdrawn = opts.withdrawOnTimeout ? await tryWithdraw(id, opts, 'the requester stopped waiting') : false;
    throw new TimeoutError(id, timeoutMs, withdrawn);
  }
  const failed = outcomeError(waited.view);
  if (failed) throw failed;
  return { ...(await claim(id, opts, deadline)), intentId: id, intentHash: waited.view.intentHash };
}

async function tryWithdraw(id: string, opts: RequireApprovalOptions, reason: string): Promise<boolean> {
  try {
    const view = await withdrawIntent(id, { ...opts, reason });
    return view.state === 'withdrawn' || view.state === 'submitted' || view.state === 'pending_review';
  } catch {
    return false;
  }
}

async function withdrawAfterAbort(id: string, opts: RequireApprovalOptions, lastState: string | undefined): Promise<ApprovalError> {
  const cause = opts.signal?.reason;
  return (await tryWithdraw(id, opts, 'cancelled by the requester')) ? new WithdrawnError(id, { cause }) : new AbortedError(id, lastState, { cause });
}

/** Claims the grant; a target that is briefly unreachable (CREDENTIAL_UNAVAILABLE) is retried until the deadline. */
async function claim(id: string, opts: RequireApprovalOptions, deadline: number): Promise<ClaimedGrantResponse> {
  for (;;) {
    try {
      return await claimGrant(id, {
        brokerUrl: opts.brokerUrl,
        token: await resolveToken(opts.token),
        timeoutMs: opts.requestTimeoutMs ?? 15_000,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      });
    } catch (error) {
      if (!(error instanceof BrokerRequestError)) throw error;
      const wait = (error.retryAfterSeconds ?? 5) * 1000;
      if (error.code === 'CREDENTIAL_UNAVAILABLE' && Date.now() + wait < deadline) {
        await pause(wait);
        continue;
      }
      throw claimError(id, error, opts);
    }
  }
}

function claimError(id: string, error: BrokerRequestError, opts: RequireApprovalOptions): ApprovalError {
  if (error.code === 'BROKER_UNAVAILABLE' || error.code === 'CREDENTIAL_UNAVAILABLE') {
    return new UnreachableError(id, new URL(String(opts.brokerUrl)).origin, error.message, { cause: error });
  }
  if (error.code === 'GRANT_CLAIM_EXPIRED') return new ExpiredError(id, 'grant');
  return new RefusedError(id, error.status ?? 0, error.code, `the broker refused the claim: ${error.message}`, undefined, { cause: error });
}
