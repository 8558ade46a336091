import { Resource } from '@countersign/contracts';
import { z } from 'zod';

/** `iss` of every grant; redeem refuses anything else. */
export const GRANT_ISSUER = 'urn:countersign:broker';
/** Explicit JWT type (RFC 8725 §3.11) so that no other token signed with this key passes as a grant. */
export const GRANT_TOKEN_TYPE = 'countersign-grant+jwt';

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

export const GrantClaims = z.object({
  iss: z.literal(GRANT_ISSUER),
  sub: z.string().min(1),
  aud: z.string().min(1),
  jti: z.uuid(),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  intent_id: z.uuid(),
  intent_hash: z.string().regex(/^[0-9a-f]{64}$/),
  action: z.string().min(1),
  resource: Resource,
});
export type GrantClaims = z.infer<typeof GrantClaims>;

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
