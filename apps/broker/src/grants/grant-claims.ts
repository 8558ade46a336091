import { GRANT_ISSUER, GrantClaims, type Resource } from '@countersign/contracts';

// The token format is a contract with targets (@countersign/sdk reads the same definitions).
export { GRANT_ISSUER, GRANT_TOKEN_TYPE, GrantClaims } from '@countersign/contracts';

export interface GrantClaimsInput {
  jti: string;
  intentId: string;
  intentHash: string;
  requesterSubject: string;
  audience: string;
  action: string;
  resource: Resource;
  issuedAt: Date;
  useTtlSeconds: number;
}

/**
 * The claims of a grant. Times are whole seconds (JWT NumericDate), and the returned `expiresAt` is
 * derived from `exp`, so the row's expires_at and the token's exp are the same instant.
 */
export function buildGrantClaims(input: GrantClaimsInput): { claims: GrantClaims; expiresAt: Date } {
  const iat = Math.floor(input.issuedAt.getTime() / 1000);
  const exp = iat + input.useTtlSeconds;
  const claims: GrantClaims = {
    iss: GRANT_ISSUER,
    sub: input.requesterSubject,
    aud: input.audience,
    jti: input.jti,
    iat,
    nbf: iat,
    exp,
    intent_id: input.intentId,
    intent_hash: input.intentHash,
    action: input.action,
    resource: input.resource,
  };
  return { claims, expiresAt: new Date(exp * 1000) };
}
