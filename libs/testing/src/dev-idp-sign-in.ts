import { createHash, randomBytes } from 'node:crypto';

export interface DevIdpSignIn {
  issuer: string;
  clientId: string;
  /** One of the client's registered redirect URIs; never called, the code is read from the redirect. */
  redirectUri: string;
  username: string;
  password: string;
  scope: string;
}

/** Thrown when the provider refuses the sign-in; `status` is the HTTP status of the refusing answer. */
export class DevIdpSignInError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Signs in at the dev identity provider the way a browser does (authorization code + PKCE, its login
 * form, cookies carried across the redirects) and returns the access token: for tests that need a
 * token from that issuer without a browser.
 */
export async function devIdpAccessToken(p: DevIdpSignIn): Promise<string> {
  const discovery = (await (await fetch(`${p.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string; token_endpoint: string };
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(discovery.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: 'code',
    scope: p.scope,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  let res = await go(auth.toString());
  for (let hop = 0; hop < 10; hop += 1) {
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, p.issuer);
      if (next.toString().startsWith(p.redirectUri)) {
        const code = next.searchParams.get('code');
        if (!code) throw new DevIdpSignInError(`sign-in ended without a code: ${next.search}`, res.status);
        const token = await fetch(discovery.token_endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, client_id: p.clientId, code_verifier: verifier }),
        });
        const body = (await token.json()) as { access_token?: string; error?: string };
        if (!body.access_token) throw new DevIdpSignInError(`token request failed: ${body.error}`, token.status);
        return body.access_token;
      }
      res = await go(next.toString());
      continue;
    }
    if (res.status === 200) {
      const html = await res.text();
      const action = /action="([^"]*\/login)"/.exec(html)?.[1];
      if (!action) throw new DevIdpSignInError('no login form in the provider answer', res.status);
      res = await go(new URL(action, p.issuer).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: p.username, password: p.password }).toString(),
      });
      continue;
    }
    throw new DevIdpSignInError(`sign-in refused: HTTP ${res.status}`, res.status);
  }
  throw new DevIdpSignInError('too many redirects', 0);
}
