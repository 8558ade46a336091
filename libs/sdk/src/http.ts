import { BrokerRequestError, brokerError } from './errors.js';

/** How the SDK reaches the broker; fetch only, so that it runs in any runtime with a global fetch. */
export interface BrokerCallOptions {
  /** Base URL of the broker, e.g. `https://broker.internal:3004` (a path prefix is kept). */
  brokerUrl: string | URL;
  /** Gives up after this long (default 10 s). */
  timeoutMs?: number;
  /** A fetch of your own (proxies, mTLS agents, tests); the global one by default. */
  fetch?: typeof fetch;
}

interface SafeParser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

export function endpoint(base: string | URL, path: string): URL {
  const url = new URL(base);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return new URL(path, url);
}

function retryAfter(res: Response): number | undefined {
  const value = Number(res.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * POSTs JSON and returns the parsed answer, or throws the typed error the broker's code calls for.
 * Nothing sent (a grant, a bearer token) ever goes into an error message.
 */
export async function postJson<T>(
  opts: BrokerCallOptions,
  path: string,
  body: unknown,
  schema: SafeParser<T>,
  headers: Record<string, string> = {},
): Promise<T> {
  const url = endpoint(opts.brokerUrl, path);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const why = error instanceof Error ? error.name : 'network error';
    throw new BrokerRequestError('BROKER_UNAVAILABLE', undefined, `no answer from ${url.origin} (${why})`);
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (typeof error?.code === 'string') {
      throw brokerError(error.code, res.status, typeof error.message === 'string' ? error.message : error.code, retryAfter(res));
    }
    throw new BrokerRequestError(res.status >= 500 ? 'BROKER_UNAVAILABLE' : 'UNEXPECTED_RESPONSE', res.status, `HTTP ${res.status} from ${url.origin}${path}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BrokerRequestError('UNEXPECTED_RESPONSE', res.status, `the answer of ${url.origin}${path} is not the documented shape`);
  return parsed.data;
}
