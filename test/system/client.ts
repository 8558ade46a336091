/** A small HTTP client for system tests: what a pipeline or a target would send, nothing more. */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // Non-JSON answers are kept as text so that a failing assertion shows them.
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export interface IntentView {
  id: string;
  state: string;
  intentHash: string;
  decision: string | null;
  reasons: string[] | null;
  ruleIds: string[] | null;
  reviewId: string | null;
  grant: { id: string; jti: string; claimBy: string } | null;
}

/** Long-polls an intent until it reaches one of the wanted states (or fails with the last state seen). */
export async function waitForState(
  intakeUrl: string,
  token: string,
  id: string,
  wanted: string[],
  timeoutMs = 30_000,
): Promise<IntentView> {
  const deadline = Date.now() + timeoutMs;
  let last: IntentView | undefined;
  while (Date.now() < deadline) {
    const wait = Math.max(1, Math.min(10, Math.floor((deadline - Date.now()) / 1000)));
    const query = last ? `?wait=${wait}&state=${last.state}` : '';
    const reply = await call<IntentView>('GET', `${intakeUrl}/v1/intents/${id}${query}`, { token });
    if (reply.status === 200) {
      last = reply.body;
      if (wanted.includes(last.state)) return last;
    } else if (reply.status !== 404) {
      throw new Error(`GET intent ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
    } else {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`intent ${id} did not reach ${wanted.join('|')}; last state ${last?.state ?? 'none'}`);
}
