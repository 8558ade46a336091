import { describe, expect, it } from 'vitest';
import { buildGrantClaims, GRANT_ISSUER, GrantClaims } from './grant-claims.js';

const input = {
  jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c7d',
  intentId: '01890a5d-ac96-774b-bcce-b302099a8057',
  intentHash: 'a'.repeat(64),
  requesterSubject: 'ci-deployer',
  audience: 'db-proxy',
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
  issuedAt: new Date('2026-01-01T00:00:00.750Z'),
  useTtlSeconds: 120,
};

describe('buildGrantClaims', () => {
  it('binds the grant to the intent, requester, audience and a whole-second lifetime', () => {
    const { claims, expiresAt } = buildGrantClaims(input);
    const iat = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(claims).toEqual({
      iss: GRANT_ISSUER,
      sub: 'ci-deployer',
      aud: 'db-proxy',
      jti: input.jti,
      iat,
      nbf: iat,
      exp: iat + 120,
      intent_id: input.intentId,
      intent_hash: input.intentHash,
      action: 'db.export',
      resource: input.resource,
    });
    // The row's expires_at and the token's exp must be the same instant.
    expect(expiresAt.getTime()).toBe(claims.exp * 1000);
    expect(GrantClaims.parse(claims)).toEqual(claims);
  });
});
