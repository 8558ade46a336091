import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantVerificationError } from './errors.js';
import { json, startServer, type TestServer } from './test-server.spec.js';
import { verifyGrant } from './verify-grant.js';

let broker: { privateKey: CryptoKey; jwk: JWK };
let server: TestServer;
let jwksUrl: string;
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: 'urn:countersign:broker',
  sub: 'ci-deployer',
  aud: 'db-proxy',
  jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c7d',
  iat: now,
  nbf: now,
  exp: now + 60,
  intent_id: '01890a5d-ac96-774b-bcce-b302099a8057',
  intent_hash: 'a'.repeat(64),
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
};

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: `k-${Math.random()}`, alg: 'EdDSA', use: 'sig' } };
}

function sign(body: Record<string, unknown> = claims, key = broker, header: Record<string, unknown> = {}) {
  return new SignJWT(body).setProtectedHeader({ alg: 'EdDSA', kid: key.jwk.kid, typ: 'countersign-grant+jwt', ...header }).sign(key.privateKey);
}

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(GrantVerificationError);
  return (e as GrantVerificationError).code;
}

beforeAll(async () => {
  broker = await keyPair();
  server = await startServer((path, res) => (path === '/broken' ? json(res, 500, {}) : json(res, 200, { keys: [broker.jwk] })));
  jwksUrl = `${server.url}/.well-known/jwks.json`;
});
afterAll(() => server?.close());

describe('verifyGrant', () => {
  it('returns the typed claims of a good grant, fetching the JWKS once for many grants', async () => {
    const token = await sign();
    await expect(verifyGrant(token, { jwksUrl, audience: 'db-proxy', intentHash: 'a'.repeat(64) })).resolves.toEqual(claims);
    for (let n = 0; n < 5; n++) await verifyGrant(token, { jwksUrl, audience: 'db-proxy' });
    expect(server.requests.filter((r) => r.path === '/.well-known/jwks.json')).toHaveLength(1);
  });

  it('refuses another audience, an expired or not-yet-valid grant, a changed claim, another key, another type, alg none, missing claims, another intent', async () => {
    const opts = { jwksUrl, audience: 'db-proxy' };
    const token = await sign();
    const [h, , s] = token.split('.') as [string, string, string];
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(await code(verifyGrant(token, { ...opts, audience: 'billing' }))).toBe('AUDIENCE_MISMATCH');
    expect(await code(verifyGrant(await sign({ ...claims, exp: now - 1 }), opts))).toBe('GRANT_TOKEN_EXPIRED');
    expect(await code(verifyGrant(await sign({ ...claims, nbf: now + 600 }), opts))).toBe('GRANT_INVALID');
    expect(await code(verifyGrant(`${h}.${b64({ ...claims, action: 'db.drop' })}.${s}`, opts))).toBe('GRANT_INVALID');
    const other = await keyPair();
    expect(await code(verifyGrant(await sign(claims, { ...other, jwk: broker.jwk }), opts))).toBe('GRANT_INVALID');
    expect(await code(verifyGrant(await sign(claims, broker, { typ: 'JWT' }), opts))).toBe('GRANT_INVALID');
    expect(await code(verifyGrant(`${b64({ alg: 'none', typ: 'countersign-grant+jwt' })}.${b64(claims)}.`, opts))).toBe('GRANT_INVALID');
    expect(await code(verifyGrant(await sign({ ...claims, intent_hash: undefined }), opts))).toBe('GRANT_INVALID');
    expect(await code(verifyGrant(await sign({ ...claims, iss: 'urn:elsewhere' }), opts))).toBe('GRANT_INVALID');
    expect(await code(verifyGrant(token, { ...opts, intentHash: 'b'.repeat(64) }))).toBe('INTENT_HASH_MISMATCH');
  });

  it('says JWKS_UNAVAILABLE when the keys cannot be fetched, never quoting the token', async () => {
    const token = await sign();
    expect(await code(verifyGrant(token, { jwksUrl: `${server.url}/broken`, audience: 'db-proxy' }))).toBe('JWKS_UNAVAILABLE');
    const e = (await verifyGrant(token, { jwksUrl: 'http://127.0.0.1:1/jwks.json', audience: 'db-proxy' }).catch((err: unknown) => err)) as GrantVerificationError;
    expect([e.code, e.message.includes(token.split('.')[2] ?? '-')]).toEqual(['JWKS_UNAVAILABLE', false]);
  });
});
