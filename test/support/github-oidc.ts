// A local stand-in for GitHub Actions' OIDC provider: the JWKS at /.well-known/jwks and the token
// endpoint a job calls with ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN. Tokens have GitHub's shape (RS256,
// its claims, no `scope`); only the issuer URL differs.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface GithubOidc {
  /** The issuer (`iss`), also the base of the JWKS URL. */
  issuer: string;
  jwksUri: string;
  /** What GitHub sets in the job's environment. */
  jobEnv: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** Tokens handed out so far. */
  issued: number;
  stop(): Promise<void>;
}

export interface GithubRun {
  repository: string;
  ref: string;
  sha: string;
  actor: string;
  runId: string;
}

export async function startGithubOidc(run: GithubRun): Promise<GithubOidc> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const requestToken = randomBytes(24).toString('hex');
  const state = { issued: 0 };
  let issuer = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/jwks') return reply(200, { keys: [jwk] });
    if (url.pathname !== '/token') return reply(404, {});
    if (req.headers.authorization !== `Bearer ${requestToken}`) return reply(401, { message: 'bad request token' });
    const audience = url.searchParams.get('audience') ?? `https://github.com/${run.repository.split('/')[0]}`;
    const now = Math.floor(Date.now() / 1000);
    void new SignJWT({
      actor: run.actor,
      repository: run.repository,
      repository_owner: run.repository.split('/')[0],
      ref: run.ref,
      sha: run.sha,
      run_id: run.runId,
      workflow: 'deploy',
      event_name: 'push',
      job_workflow_ref: `${run.repository}/.github/workflows/deploy.yml@${run.ref}`,
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(`repo:${run.repository}:ref:${run.ref}`)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(privateKey)
      .then((value) => {
        state.issued++;
        reply(200, { count: 1, value });
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks`,
    jobEnv: { ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    get issued() {
      return state.issued;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
