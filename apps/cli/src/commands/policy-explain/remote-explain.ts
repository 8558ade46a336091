import type { SubmitIntentRequest } from '@countersign/contracts';
import { CliError, ExitCode, usageError } from '../../shared/cli-error.js';
import { ErrorBody, ExplanationBody } from './explanation-body.js';

export const EXPLAIN_PATH = 'v1/policy/explain';
const MAX_DETAIL_CHARS = 400;

export interface RemoteExplainRequest {
  baseUrl: string;
  token: string;
  intent: SubmitIntentRequest;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Relative to the base, so that a service behind a path prefix (https://host/countersign/) works too. */
export function explainUrl(baseUrl: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    throw usageError(`--url ${baseUrl} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw usageError(`--url ${baseUrl} must be http or https`);
  return new URL(EXPLAIN_PATH, base);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}…` : flat;
}

/** `401 UNAUTHENTICATED: token expired (issues: args.x: too long)`, from whatever the body holds. */
function describeFailure(status: number, text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return oneLine(`${status}${text ? `: ${text}` : ''}`);
  }
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return oneLine(`${status}: ${text}`);
  const { code, message, issues, details } = parsed.data.error;
  const extra = issues?.length
    ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')})`
    : details !== undefined
      ? ` (${JSON.stringify(details)})`
      : '';
  return oneLine(`${status} ${code}: ${message}${extra}`);
}

function unreachable(url: URL, error: unknown): CliError {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.cause?.message ?? e.message);
  return new CliError(ExitCode.Unreachable, `cannot reach ${url.origin}: ${why}`);
}

/**
 * POSTs the intent to the policy service. Exit codes tell a CI job what to do next: 3 (unreachable or
 * 5xx) is worth retrying, 4 (refused) is not until the token or the request changes.
 */
export interface ExplainResult {
  explanation: ExplanationBody;
  /** The body as received, for `--json`: fields this CLI version does not know are passed on. */
  raw: unknown;
}

export async function explainRemotely(request: RemoteExplainRequest): Promise<ExplainResult> {
  const url = explainUrl(request.baseUrl);
  const doFetch = request.fetch ?? fetch;
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${request.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request.intent),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw unreachable(url, error);
  }
  if (response.status >= 500) throw new CliError(ExitCode.Unreachable, `server error from ${url.origin}: ${describeFailure(response.status, text)}`);
  if (!response.ok) throw new CliError(ExitCode.Refused, `server refused the request: ${describeFailure(response.status, text)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(ExitCode.Unreachable, `unexpected answer from ${url.origin}: not JSON (${oneLine(text)})`);
  }
  const parsed = ExplanationBody.safeParse(body);
  if (!parsed.success) {
    throw new CliError(ExitCode.Unreachable, `unexpected answer from ${url.origin}: not an explanation (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  }
  return { explanation: parsed.data, raw: body };
}
