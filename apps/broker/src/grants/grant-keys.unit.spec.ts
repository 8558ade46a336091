import { Ed25519Key } from '@countersign/platform/crypto';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { BrokerError } from './errors.js';
import { buildGrantClaims } from './grant-claims.js';
import { GrantKeys } from './grant-keys.js';

const keys = new GrantKeys(Ed25519Key.generate());
const issuedAt = new Date('2026-01-01T00:00:00Z');
const { claims } = buildGrantClaims({
  jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c7d',
  intentId: '01890a5d-ac96-774b-bcce-b302099a8057',
  intentHash: 'b'.repeat(64),
  requesterSubject: 'ci-deployer',
  audience: 'db-proxy',
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
  issuedAt,
  useTtlSeconds: 60,
});
const during = new Date(issuedAt.getTime() + 30_000);

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BrokerError);
  return (e as BrokerError).code;
}

describe('GrantKeys', () => {
  it('signs an EdDSA grant with the kid and an explicit type, and verifies it', async () => {
    const token = await keys.sign(claims);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: keys.kid, typ: 'countersign-grant+jwt' });
    await expect(keys.verify(token, 'db-proxy', during)).resolves.toEqual(claims);
    expect(keys.jwks().keys[0]).toMatchObject({ kid: keys.kid, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(JSON.stringify(keys.jwks())).not.toContain('"d"');
  });

  it('refuses a tampered payload, another audience, an expired or foreign grant, with distinct codes', async () => {
    const token = await keys.sign(claims);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, action: 'db.drop' })).toString('base64url')}.${s}`;
    expect(await refusal(keys.verify(forged, 'db-proxy', during))).toBe('GRANT_INVALID');
    expect(await refusal(keys.verify(token, 'other-target', during))).toBe('AUDIENCE_MISMATCH');
    expect(await refusal(keys.verify(token, 'db-proxy', new Date(issuedAt.getTime() + 61_000)))).toBe('GRANT_TOKEN_EXPIRED');
    expect(await refusal(keys.verify('not-a-jwt', 'db-proxy', during))).toBe('GRANT_INVALID');
    const foreign = await new GrantKeys(Ed25519Key.generate()).sign(claims);
    expect(await refusal(keys.verify(foreign, 'db-proxy', during))).toBe('GRANT_INVALID');
  });
});
