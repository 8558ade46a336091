import { randomUUID } from 'node:crypto';
import { IntentViewResponse, SubmitIntentResponse, type SubmitIntentRequest } from '@countersign/contracts';
import { UnreachableError } from './approval-errors.js';
import { callIntake, refusal, type IntakeCallOptions } from './intake-calls.js';
import { resolveToken, type TokenSource } from './token-source.js';

export interface IntakeOptions extends IntakeCallOptions {
  token: TokenSource;
  /** Per HTTP request (a long-poll adds its wait to it). Default 15 s. */
  requestTimeoutMs?: number;
}

export interface SubmitOptions extends IntakeOptions {
  /** Makes retries safe: the same key and body give back the same intent. Default: a random UUID per call. */
  idempotencyKey?: string;
  /** Further tries after no answer or a 5xx (with the same key). Default 2. */
  retries?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function unexpected(origin: string, intentId: string | undefined, what: string): UnreachableError {
  return new UnreachableError(intentId, origin, `${what} is not the documented shape`);
}

/** `POST /v1/intents`. A 4xx is a RefusedError with the server's code and first bad field. */
export async function submitIntent(request: SubmitIntentRequest, opts: SubmitOptions): Promise<SubmitIntentResponse> {
  const key = opts.idempotencyKey ?? randomUUID();
  const retries = opts.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await callIntake(opts, {
        method: 'POST',
        path: 'v1/intents',
        token: await resolveToken(opts.token),
        body: request,
        headers: { 'idempotency-key': key },
        timeoutMs: opts.requestTimeoutMs ?? 15_000,
      });
      if (answer.status >= 400) throw refusal(answer, undefined, 'intake refused the intent');
      const parsed = SubmitIntentResponse.safeParse(answer.body);
      if (!parsed.success) throw unexpected(String(opts.intakeUrl), undefined, 'the submit answer');
      return parsed.data;
    } catch (error) {
      if (!(error instanceof UnreachableError) || attempt >= retries) throw error;
      await pause(250 * 4 ** attempt);
    }
  }
}

export interface GetIntentOptions extends IntakeOptions {
  /** Long-poll up to this many seconds (0..60) for a state other than `state`. */
  waitSeconds?: number;
  state?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** `GET /v1/intents/:id[?wait&state]`. 404 (not yours, or no such intent) is a RefusedError. */
export async function getIntent(intentId: string, opts: GetIntentOptions): Promise<IntentViewResponse> {
  const wait = opts.waitSeconds ?? 0;
  const query = wait > 0 && opts.state ? `?wait=${wait}&state=${encodeURIComponent(opts.state)}` : '';
  const answer = await callIntake(
    opts,
    {
      method: 'GET',
      path: `v1/intents/${encodeURIComponent(intentId)}${query}`,
      token: await resolveToken(opts.token),
      timeoutMs: (opts.requestTimeoutMs ?? 15_000) + wait * 1000,
      signal: opts.signal,
    },
    intentId,
  );
  if (answer.status >= 400) throw refusal(answer, intentId, `intake refused to show intent ${intentId}`);
  const parsed = IntentViewResponse.safeParse(answer.body);
  if (!parsed.success) throw unexpected(String(opts.intakeUrl), intentId, 'the intent view');
  return parsed.data;
}

export interface WithdrawOptions extends IntakeOptions {
  reason?: string;
}

/**
 * `POST /v1/intents/:id/withdraw`: only the requester, only while undecided. Resolves to the intent
 * (state `withdrawn`, or still `pending_review` / `submitted` when intake answered before its read
 * model caught up: the withdrawal is then on its way); a decided intent is a RefusedError
 * `INTENT_DECIDED` (409).
 */
export async function withdrawIntent(intentId: string, opts: WithdrawOptions): Promise<IntentViewResponse> {
  const answer = await callIntake(
    opts,
    {
      method: 'POST',
      path: `v1/intents/${encodeURIComponent(intentId)}/withdraw`,
      token: await resolveToken(opts.token),
      body: opts.reason ? { reason: opts.reason } : {},
      timeoutMs: opts.requestTimeoutMs ?? 15_000,
    },
    intentId,
  );
  if (answer.status >= 400) throw refusal(answer, intentId, `intake refused to withdraw intent ${intentId}`);
  const parsed = IntentViewResponse.safeParse(answer.body);
  if (!parsed.success) throw unexpected(String(opts.intakeUrl), intentId, 'the withdraw answer');
  return parsed.data;
}
