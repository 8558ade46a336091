import { CliError, ExitCode, usageError } from './cli-error.js';
import { ErrorBody } from '../commands/policy-explain/explanation-body.js';

const MAX_DETAIL_CHARS = 400;

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}…` : flat;
}

/** `401 UNAUTHENTICATED: token expired (issues: args.x: too long)`, from whatever the body holds. */
export function describeFailure(status: number, text: string): string {
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

export function unreachable(url: URL, error: unknown): CliError {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.cause?.message ?? e.message);
  return new CliError(ExitCode.Unreachable, `cannot reach ${url.origin}: ${why}`);
}

/** Relative to the base, so that a service behind a path prefix (https://host/countersign/) works too. */
export function serviceUrl(baseUrl: string, path: string, flag = '--url'): URL {
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    throw usageError(`${flag} ${baseUrl} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw usageError(`${flag} ${baseUrl} must be http or https`);
  return new URL(path, base);
}

export interface ApiAnswer {
  status: number;
  body: unknown;
  text: string;
}

/**
 * One JSON call. Network failures and 5xx are exit 3 (worth retrying), other 4xx are returned to the
 * caller when listed in `accept` (a command decides what a 404 or 409 means), else exit 4.
 */
export async function callApi(
  url: URL,
  init: { method?: 'GET' | 'POST'; token: string; body?: unknown; timeoutMs: number; accept?: readonly number[] },
): Promise<ApiAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.token}`,
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw unreachable(url, error);
  }
  if (response.status >= 500) throw new CliError(ExitCode.Unreachable, `server error from ${url.origin}: ${describeFailure(response.status, text)}`);
  if (!response.ok && !init.accept?.includes(response.status)) {
    const code = response.status === 400 ? ExitCode.Invalid : ExitCode.Refused;
    throw new CliError(code, `server refused the request: ${describeFailure(response.status, text)}`);
  }
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(ExitCode.Unreachable, `unexpected answer from ${url.origin}: not JSON (${oneLine(text)})`);
  }
  return { status: response.status, body, text };
}
