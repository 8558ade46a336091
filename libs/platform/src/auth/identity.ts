import { ActorKind, Requester } from '@countersign/contracts';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import type { IssuerDefaults } from './config.js';
import { AuthError, ForbiddenError } from './errors.js';

export interface VerifiedIdentity {
  requester: Requester;
  scopes: string[];
  tokenId?: string;
  expiresAt: Date;
  /** When the person last signed in at the IdP (`auth_time`), when the token says. */
  authTime?: Date;
}

/** Claims we read; anything else in the token is ignored. */
const Claims = z.object({
  sub: z.string().min(1).max(256),
  iss: z.string().min(1).max(512),
  exp: z.number(),
  jti: z.string().min(1).max(256).optional(),
  groups: z.array(z.string().min(1).max(128)).max(64).optional(),
  countersign_kind: ActorKind.optional(),
  owner: z.string().min(1).max(256).optional(),
  scope: z.string().max(4096).optional(),
  auth_time: z.number().optional(),
});

/** The token's own owner claim, else the issuer's `ownerClaim` (a string claim such as GitHub's `actor`). */
function ownerOf(payload: JWTPayload, own: string | undefined, defaults: IssuerDefaults | undefined): string | undefined {
  if (own !== undefined) return own;
  const value = defaults?.ownerClaim ? payload[defaults.ownerClaim] : undefined;
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

export function identityFromClaims(payload: JWTPayload, defaults?: IssuerDefaults): VerifiedIdentity {
  const parsed = Claims.safeParse(payload);
  if (!parsed.success) {
    const claim = parsed.error.issues[0]?.path.join('.') || '(claims)';
    throw new AuthError('TOKEN_INVALID', `token claim ${claim} is missing or malformed`);
  }
  const c = parsed.data;
  const owner = ownerOf(payload, c.owner, defaults);
  const requester: Requester = {
    kind: c.countersign_kind ?? defaults?.kind ?? 'user',
    subject: c.sub,
    issuer: c.iss,
    groups: [...new Set(c.groups ?? defaults?.groups ?? [])],
    ...(owner !== undefined ? { owner } : {}),
  };
  return {
    requester,
    scopes: c.scope !== undefined ? c.scope.split(' ').filter(Boolean) : [...(defaults?.scopes ?? [])],
    ...(c.jti !== undefined ? { tokenId: c.jti } : {}),
    expiresAt: new Date(c.exp * 1000),
    ...(c.auth_time !== undefined ? { authTime: new Date(c.auth_time * 1000) } : {}),
  };
}

export function hasScope(identity: VerifiedIdentity, scope: string): boolean {
  return identity.scopes.includes(scope);
}

/** Throws ForbiddenError SCOPE_MISSING unless the identity carries `scope`. */
export function requireScope(identity: VerifiedIdentity, scope: string): void {
  if (!hasScope(identity, scope)) {
    throw new ForbiddenError('SCOPE_MISSING', `this token lacks the scope ${scope}`);
  }
}
