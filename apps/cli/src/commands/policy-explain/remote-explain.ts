import type { SubmitIntentRequest } from '@countersign/contracts';
import { describeFailure, oneLine, serviceUrl, unreachable } from '../../shared/api-client.js';
import { CliError, ExitCode } from '../../shared/cli-error.js';
import { ExplanationBody } from './explanation-body.js';

export const EXPLAIN_PATH = 'v1/policy/explain';

export interface RemoteExplainRequest {
  baseUrl: string;
  token: string;
  intent: SubmitIntentRequest;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Relative to the base, so that a service behind a path prefix (https://host/countersign/) works too. */
export function explainUrl(baseUrl: string): URL {
  return serviceUrl(baseUrl, EXPLAIN_PATH);
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
