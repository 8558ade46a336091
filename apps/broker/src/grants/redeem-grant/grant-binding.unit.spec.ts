import { describe, expect, it } from 'vitest';
import { buildGrantClaims } from '../grant-claims.js';
import type { GrantRow } from '../grant-store.js';
import { mismatchedClaim } from './grant-binding.js';

const claimedAt = new Date('2026-01-01T00:00:00.750Z');
const row: GrantRow = {
  id: '01890a5d-ac96-774b-bcce-b302099a8000',
  intentId: '01890a5d-ac96-774b-bcce-b302099a8057',
  jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c7d',
  intentHash: 'a'.repeat(64),
  requesterSubject: 'ci-deployer',
  requesterIssuer: 'urn:test',
  audience: 'db-proxy',
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
  state: 'claimed',
  claimBy: new Date('2026-01-01T00:05:00Z'),
  useTtlSeconds: 60,
  expiresAt: new Date('2026-01-01T00:01:00Z'),
  tokenSha256: 'c'.repeat(64),
  claimedAt,
  kid: 'kid-1',
};
const { claims } = buildGrantClaims({ ...row, issuedAt: claimedAt });

describe('mismatchedClaim', () => {
  it('accepts the claims the broker handed out, whatever the key order of the resource', () => {
    expect(mismatchedClaim(claims, 'kid-1', row)).toBeUndefined();
    expect(mismatchedClaim({ ...claims, resource: { tags: ['pii'], env: 'prod', id: 'customers', kind: 'db' } }, 'kid-1', row)).toBeUndefined();
  });

  it('names the first claim that differs from the grant on record', () => {
    const changed: Array<[string, Partial<typeof claims>]> = [
      ['jti', { jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c70' }],
      ['intent_id', { intent_id: '01890a5d-ac96-774b-bcce-b302099a8058' }],
      ['intent_hash', { intent_hash: 'b'.repeat(64) }],
      ['sub', { sub: 'mallory' }],
      ['aud', { aud: 'billing' }],
      ['action', { action: 'db.drop' }],
      ['resource', { resource: { ...claims.resource, id: 'payments' } }],
      ['iat', { iat: claims.iat - 1, exp: claims.exp - 1 }],
      ['nbf', { nbf: claims.nbf - 1 }],
      ['exp', { exp: claims.exp + 1 }],
    ];
    for (const [name, patch] of changed) expect(mismatchedClaim({ ...claims, ...patch }, 'kid-1', row)).toBe(name);
    expect(mismatchedClaim(claims, 'kid-2', row)).toBe('kid');
    expect(mismatchedClaim(claims, 'kid-1', { ...row, useTtlSeconds: 30 })).toBe('exp');
  });
});
