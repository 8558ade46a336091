import { z } from 'zod';
import { Resource, Sha256Hex } from './intent.js';

/**
 * The grant as a target sees it: the broker signs it, `@countersign/sdk` verifies it. Both sides read
 * these definitions so that a claim added or renamed on one side cannot go unnoticed on the other.
 */

/** `iss` of every grant. */
export const GRANT_ISSUER = 'urn:countersign:broker';
/** Explicit JWT type (RFC 8725 §3.11) so that no other token signed with the broker's keys passes as a grant. */
export const GRANT_TOKEN_TYPE = 'countersign-grant+jwt';

export const GrantClaims = z.object({
  iss: z.literal(GRANT_ISSUER),
  /** The requester's subject; only that identity could claim the grant. */
  sub: z.string().min(1),
  /** The target that may redeem it. */
  aud: z.string().min(1),
  jti: z.uuid(),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  intent_id: z.uuid(),
  intent_hash: Sha256Hex,
  action: z.string().min(1),
  resource: Resource,
});
export type GrantClaims = z.infer<typeof GrantClaims>;

/** Every refusal of the broker's grant endpoints (`{ error: { code, message } }`). */
export const GrantErrorCode = z.enum([
  'NOT_GRANT_REQUESTER',
  'GRANT_NOT_FOUND',
  'GRANT_ALREADY_CLAIMED',
  'GRANT_CLAIM_EXPIRED',
  'GRANT_REVOKED',
  'GRANT_INVALID',
  'GRANT_TOKEN_EXPIRED',
  'AUDIENCE_MISMATCH',
  'GRANT_ALREADY_USED',
  'GRANT_EXPIRED',
  /** The target refuses what the intent asks for (e.g. a table it does not have); claiming again will not help. */
  'CREDENTIAL_REFUSED',
  /** The target could not be reached to create or enable the credential; the grant is untouched, try again. */
  'CREDENTIAL_UNAVAILABLE',
]);
export type GrantErrorCode = z.infer<typeof GrantErrorCode>;

/** What a claim answers, once. `credential.secret` is what the requester presents to the target. */
export const ClaimedGrantResponse = z.object({
  grant: z.string().min(1),
  expiresAt: z.iso.datetime(),
  audience: z.string().min(1),
  jti: z.uuid(),
  credential: z.object({ kind: z.string().min(1), secret: z.string().min(1) }),
});
export type ClaimedGrantResponse = z.infer<typeof ClaimedGrantResponse>;

/** What a successful revoke answers: the grant and the state it was taken back from. */
export const RevokedGrantResponse = z.object({
  intentId: z.uuid(),
  grantId: z.uuid(),
  jti: z.uuid(),
  revokedFrom: z.enum(['issued', 'claimed', 'redeemed']),
});
export type RevokedGrantResponse = z.infer<typeof RevokedGrantResponse>;

/** What a successful redeem answers: the intent the grant was bound to. */
export const RedeemedGrantResponse = z.object({
  intentId: z.uuid(),
  action: z.string().min(1),
  resource: Resource,
  intentHash: Sha256Hex,
});
export type RedeemedGrantResponse = z.infer<typeof RedeemedGrantResponse>;
