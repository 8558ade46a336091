import { IntakeErrorBody } from '@countersign/contracts';
import { endpoint } from '../http.js';
import { RefusedError, UnreachableError } from './approval-errors.js';

/** How the SDK reaches intake; fetch only. */
export interface IntakeCallOptions {
  /** Base URL of intake, e.g. `https://countersign.internal:3001` (a path prefix is kept). */
  intakeUrl: string | URL;
  fetch?: typeof fetch;
}

export interface IntakeAnswer {
  status: number;
  body: unknown;
}

export interface IntakeRequest {
  method: 'GET' | 'POST';
  path: string;
  token: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * One JSON call to intake. No answer or a 5xx throws UnreachableError; any other status is returned,
 * so the caller decides what a 404 or a 409 means. Nothing sent (the bearer token) reaches a message.
 */
export async function callIntake(opts: IntakeCallOptions, req: IntakeRequest, intentId?: string): Promise<IntakeAnswer> {
  const url = endpoint(opts.intakeUrl, req.path);
  const timeout = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: req.method,
      headers: {
        authorization: `Bearer ${req.token}`,
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...req.headers,
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
    });
    text = await res.text();
  } catch (error) {
    if (req.signal?.aborted) throw error;
    const e = error as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.message);
    throw new UnreachableError(intentId, url.origin, why, { cause: error });
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.status >= 500) throw new UnreachableError(intentId, url.origin, `HTTP ${res.status}${errorCode(body) ? ` ${errorCode(body)}` : ''}`);
  return { status: res.status, body };
}

function errorCode(body: unknown): string | undefined {
  const parsed = IntakeErrorBody.safeParse(body);
  return parsed.success ? parsed.data.error.code : undefined;
}

/** The RefusedError of a 4xx answer: the server's code, message and first bad field. */
export function refusal(answer: IntakeAnswer, intentId: string | undefined, what: string): RefusedError {
  const parsed = IntakeErrorBody.safeParse(answer.body);
  if (!parsed.success) return new RefusedError(intentId, answer.status, `HTTP_${answer.status}`, `${what}: HTTP ${answer.status}`);
  const { code, message, issues } = parsed.data.error;
  const detail = issues?.length ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : '';
  return new RefusedError(intentId, answer.status, code, `${what}: ${answer.status} ${code}: ${message}${detail}`, issues?.[0]?.path);
}
