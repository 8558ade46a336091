import { readFile } from 'node:fs/promises';

/** A bearer token, or a function that returns the current one (token files are rotated underneath us). */
export type TokenSource = string | (() => string | Promise<string>);

export type TokenSourceErrorCode = 'NO_TOKEN' | 'TOKEN_FILE_UNREADABLE' | 'OIDC_REQUEST_FAILED';

/** No token could be found or fetched; the message says where it looked, never a token. */
export class TokenSourceError extends Error {
  constructor(
    readonly code: TokenSourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenSourceError';
  }
}

export async function resolveToken(source: TokenSource): Promise<string> {
  return typeof source === 'string' ? source : source();
}

export interface EnvironmentTokenOptions {
  /** An explicit token file; wins over the environment. */
  tokenFile?: string | undefined;
  /** The `aud` asked of GitHub Actions' OIDC provider (default `countersign`, what the services expect). */
  audience?: string;
  fetch?: typeof fetch;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The requester's token as the environment provides it, in this order:
 * 1. a token file (`tokenFile`, else `COUNTERSIGN_TOKEN_FILE`): an OIDC token a platform writes and
 *    refreshes, e.g. a Kubernetes projected service-account token; read again at every use;
 * 2. `COUNTERSIGN_TOKEN`;
 * 3. GitHub Actions' OIDC token (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`, set when the job has
 *    `permissions: id-token: write`), requested for `audience` and reused until a minute before its `exp`.
 */
export function tokenFromEnvironment(env: Env = process.env, opts: EnvironmentTokenOptions = {}): () => Promise<string> {
  const file = opts.tokenFile ?? env['COUNTERSIGN_TOKEN_FILE'];
  if (file) return () => readTokenFile(file);
  const token = env['COUNTERSIGN_TOKEN'];
  if (token) return () => Promise.resolve(token);
  const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (requestUrl && requestToken) return githubOidcToken(requestUrl, requestToken, opts.audience ?? 'countersign', opts.fetch ?? fetch);
  return () =>
    Promise.reject(
      new TokenSourceError('NO_TOKEN', 'no token: set COUNTERSIGN_TOKEN or COUNTERSIGN_TOKEN_FILE, or run in GitHub Actions with permissions id-token: write'),
    );
}

async function readTokenFile(file: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new TokenSourceError('TOKEN_FILE_UNREADABLE', `cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!token) throw new TokenSourceError('TOKEN_FILE_UNREADABLE', `the token file ${file} is empty`);
  return token;
}

/** Seconds since the epoch of a JWT's `exp`, without verifying it (the services verify; we only cache). */
function expiryOf(jwt: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

function githubOidcToken(requestUrl: string, requestToken: string, audience: string, fetchFn: typeof fetch): () => Promise<string> {
  let cached: { token: string; exp: number } | undefined;
  return async () => {
    if (cached && cached.exp - 60 > Date.now() / 1000) return cached.token;
    let url: URL;
    try {
      url = new URL(requestUrl);
    } catch {
      throw new TokenSourceError('OIDC_REQUEST_FAILED', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
    }
    url.searchParams.set('audience', audience);
    let body: { value?: unknown };
    try {
      const res = await fetchFn(url, { headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new TokenSourceError('OIDC_REQUEST_FAILED', `GitHub's OIDC provider answered HTTP ${res.status}`);
      body = (await res.json()) as { value?: unknown };
    } catch (error) {
      if (error instanceof TokenSourceError) throw error;
      throw new TokenSourceError('OIDC_REQUEST_FAILED', `cannot fetch the GitHub Actions OIDC token from ${url.origin}: ${(error as Error).name}`);
    }
    if (typeof body.value !== 'string' || !body.value) throw new TokenSourceError('OIDC_REQUEST_FAILED', "GitHub's OIDC provider answered without a token");
    cached = { token: body.value, exp: expiryOf(body.value) ?? Date.now() / 1000 + 120 };
    return body.value;
  };
}
