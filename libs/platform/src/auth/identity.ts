import { ActorKind, Requester } from '@countersign/contracts';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
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
  groups: z.array(z.string().min(1).max(128)).max(64).default([]),
  countersign_kind: ActorKind.default('user'),
  owner: z.string().min(1).max(256).optional(),
  scope: z.string().max(4096).default(''),
  auth_time: z.number().optional(),
});

export function identityFromClaims(payload: JWTPayload): VerifiedIdentity {
  const parsed = Claims.safeParse(payload);
  if (!parsed.success) {
    const claim = parsed.error.issues[0]?.path.join('.') || '(claims)';
    throw new AuthError('TOKEN_INVALID', `token claim ${claim} is missing or malformed`);
  }
  const c = parsed.data;
  const requester: Requester = {
    kind: c.countersign_kind,
    subject: c.sub,
    issuer: c.iss,
    groups: [...new Set(c.groups)],
    ...(c.owner !== undefined ? { owner: c.owner } : {}),
  };
  return {
    requester,
    scopes: c.scope.split(' ').filter(Boolean),
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
