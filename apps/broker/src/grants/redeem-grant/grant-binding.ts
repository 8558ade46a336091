import { canonicalJson } from '@countersign/platform/crypto';
import type { GrantClaims } from '../grant-claims.js';
import type { GrantRow } from '../grant-store.js';

/**
 * The first claim of a verified grant that differs from what the broker recorded when it handed the
 * grant out, or undefined. A valid signature already vouches for the claims; this catches a token the
 * broker's own key signed but never issued (a leaked key, a bug), before the token-hash check does.
 */
export function mismatchedClaim(claims: GrantClaims, kid: string, row: GrantRow): string | undefined {
  const expected: Array<[keyof GrantClaims | 'kid', unknown, unknown]> = [
    ['jti', claims.jti, row.jti],
    ['intent_id', claims.intent_id, row.intentId],
    ['intent_hash', claims.intent_hash, row.intentHash],
    ['sub', claims.sub, row.requesterSubject],
    ['aud', claims.aud, row.audience],
    ['action', claims.action, row.action],
    ['resource', canonicalJson(claims.resource), canonicalJson(row.resource)],
    ['iat', claims.iat, row.claimedAt && Math.floor(row.claimedAt.getTime() / 1000)],
    ['nbf', claims.nbf, claims.iat],
    ['exp', claims.exp, row.expiresAt && row.expiresAt.getTime() / 1000],
    ['exp', claims.exp - claims.iat, row.useTtlSeconds],
    ['kid', kid, row.kid],
  ];
  return expected.find(([, got, want]) => got !== want)?.[0];
}
