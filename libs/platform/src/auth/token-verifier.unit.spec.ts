import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from './errors.js';
import { DevIssuer, DEV_ISSUER } from './dev-issuer.js';
import type { DemoIdentity } from './demo-identities.js';
import { requireScope } from './identity.js';
import { TokenVerifier } from './token-verifier.js';

const pipeline: DemoIdentity = {
  name: 'ci-deployer',
  kind: 'pipeline',
  groups: ['pipelines'],
  owner: 'alice',
  scopes: ['intents:write', 'grants:claim'],
};

let dir: string;
let issuer: DevIssuer;
let verifier: TokenVerifier;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    return (error as AuthError).code;
  }
  throw new Error('expected an AuthError');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-dev-issuer-'));
  issuer = await DevIssuer.loadOrCreate(dir);
  verifier = await TokenVerifier.fromConfig({
    audience: 'countersign',
    issuers: [],
    devIssuer: { jwksFile: join(dir, 'jwks.json') },
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('DevIssuer', () => {
  it('writes a 0600 private key and reloads the same key', async () => {
    expect((await stat(join(dir, 'private.jwk.json'))).mode & 0o777).toBe(0o600);
    const again = await DevIssuer.loadOrCreate(dir);
    expect(again.kid).toBe(issuer.kid);
    const jwks = JSON.parse(await readFile(join(dir, 'jwks.json'), 'utf8')) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('does not leak the private key through JSON or inspect', async () => {
    const priv = JSON.parse(await readFile(join(dir, 'private.jwk.json'), 'utf8')) as { d: string };
    expect(JSON.stringify(issuer)).not.toContain(priv.d);
    expect(inspect(issuer, { depth: 5 })).not.toContain(priv.d);
  });
});

describe('TokenVerifier', () => {
  it('accepts a valid token and maps its claims', async () => {
    const token = await issuer.mint(pipeline);
    const id = await verifier.verifyBearer(`Bearer ${token}`);
    expect(id.requester).toEqual({
      kind: 'pipeline',
      subject: 'ci-deployer',
      issuer: DEV_ISSUER,
      groups: ['pipelines'],
      owner: 'alice',
    });
    expect(id.scopes).toEqual(['intents:write', 'grants:claim']);
    expect(id.tokenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(id.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);
  });

  it('defaults kind to user and scopes to none', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid })
      .setIssuer(DEV_ISSUER)
      .setSubject('dave')
      .setAudience('countersign')
      .setExpirationTime('5m')
      .sign(privateKeyOf(issuer));
    const id = await verifier.verifyBearer(`Bearer ${token}`);
    expect(id.requester.kind).toBe('user');
    expect(id.requester.groups).toEqual([]);
    expect(id.scopes).toEqual([]);
    expect(() => requireScope(id, 'intents:write')).toThrow(/intents:write/);
  });

  it('refuses a missing or non-Bearer header with TOKEN_MISSING / TOKEN_INVALID', async () => {
    expect(await codeOf(verifier.verifyBearer(undefined))).toBe('TOKEN_MISSING');
    expect(await codeOf(verifier.verifyBearer(''))).toBe('TOKEN_MISSING');
    expect(await codeOf(verifier.verifyBearer(`Basic ${Buffer.from('a:b').toString('base64')}`))).toBe('TOKEN_INVALID');
    expect(await codeOf(verifier.verifyBearer('Bearer not-a-jwt'))).toBe('TOKEN_INVALID');
  });

  it('refuses an expired token with TOKEN_EXPIRED (beyond the 30 s tolerance)', async () => {
    const token = await issuer.mint(pipeline, { issuedAt: new Date(Date.now() - 3_600_000), ttlSeconds: 60 });
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('TOKEN_EXPIRED');
  });

  it('tolerates 30 s of clock skew', async () => {
    const token = await issuer.mint(pipeline, { issuedAt: new Date(Date.now() - 70_000), ttlSeconds: 60 });
    await expect(verifier.verifyBearer(`Bearer ${token}`)).resolves.toBeDefined();
  });

  it('refuses a token for another audience with AUDIENCE_MISMATCH', async () => {
    const token = await issuer.mint(pipeline, { audience: 'someone-else' });
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('AUDIENCE_MISMATCH');
  });

  it('refuses a token from an untrusted issuer with ISSUER_UNKNOWN', async () => {
    const token = await issuer.mint(pipeline, { issuer: 'https://evil.example' });
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('ISSUER_UNKNOWN');
  });

  it('refuses a token signed by another key (same iss) with TOKEN_INVALID', async () => {
    const forger = await DevIssuer.generate();
    const token = await forger.mint(pipeline);
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('TOKEN_INVALID');
  });

  it('refuses a token with the right kid but a tampered payload', async () => {
    const [h, , s] = (await issuer.mint(pipeline)).split('.');
    const forged = (await issuer.mint({ ...pipeline, name: 'root', scopes: ['admin'] })).split('.')[1];
    expect(await codeOf(verifier.verifyBearer(`Bearer ${h}.${forged}.${s}x`))).toBe('TOKEN_INVALID');
    expect(await codeOf(verifier.verifyBearer(`Bearer ${h}.${forged}.${s}`))).toBe('TOKEN_INVALID');
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ scope: 'intents:write' })
      .setIssuer(DEV_ISSUER)
      .setSubject('ci-deployer')
      .setAudience('countersign')
      .setExpirationTime('5m')
      .encode();
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('TOKEN_INVALID');
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid })
      .setIssuer(DEV_ISSUER)
      .setSubject('ci-deployer')
      .setAudience('countersign')
      .sign(privateKeyOf(issuer));
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('TOKEN_INVALID');
  });

  it('refuses malformed claims (kind outside the enum)', async () => {
    const token = await new SignJWT({ countersign_kind: 'root' })
      .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid })
      .setIssuer(DEV_ISSUER)
      .setSubject('ci-deployer')
      .setAudience('countersign')
      .setExpirationTime('5m')
      .sign(privateKeyOf(issuer));
    expect(await codeOf(verifier.verifyBearer(`Bearer ${token}`))).toBe('TOKEN_INVALID');
  });
});

/** Test-only access to the issuer's key for hand-made tokens. */
function privateKeyOf(i: DevIssuer): CryptoKey {
  return (i as unknown as { privateKey: CryptoKey }).privateKey;
}
