import { GRANT_ISSUER, GRANT_TOKEN_TYPE, GrantClaims } from '@countersign/contracts';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { GrantVerificationError } from './errors.js';

export interface VerifyGrantOptions {
  /** The broker's `/.well-known/jwks.json`. Fetched once and cached per URL (refetched for an unknown key id). */
  jwksUrl: string | URL;
  /** This target's name: the grant's `aud` must be it. */
  audience: string;
  /** Defaults to the broker's `urn:countersign:broker`. */
  issuer?: string;
  /** The hash of the intent the target is about to carry out (`intentHash` of @countersign/domain): the grant must be bound to it. */
  intentHash?: string;
  /** Tolerated clock skew for `exp` and `nbf`, in seconds (default 0). */
  clockToleranceSeconds?: number;
  /** For tests: the time to verify at. */
  currentDate?: Date;
}

const keySets = new Map<string, JWTVerifyGetKey>();

function keySet(url: string | URL): JWTVerifyGetKey {
  const key = String(url);
  let set = keySets.get(key);
  if (!set) {
    // The broker serves its keys with max-age 300; an unknown kid (a rotation) refetches after 30 s at most.
    set = createRemoteJWKSet(new URL(key), { cacheMaxAge: 300_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
    keySets.set(key, set);
  }
  return set;
}

/**
 * Checks a grant offline against the broker's published keys: signature (EdDSA only), `typ`, `iss`,
 * `aud`, `exp`/`nbf`, the claims' shape and, if given, the intent hash. It does NOT make the grant
 * single-use: a target must still `redeemGrant` it (or otherwise remember its `jti`) before acting.
 */
export async function verifyGrant(token: string, opts: VerifyGrantOptions): Promise<GrantClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keySet(opts.jwksUrl), {
      issuer: opts.issuer ?? GRANT_ISSUER,
      audience: opts.audience,
      algorithms: ['EdDSA'],
      typ: GRANT_TOKEN_TYPE,
      requiredClaims: ['jti', 'sub', 'iat', 'nbf', 'exp'],
      clockTolerance: opts.clockToleranceSeconds ?? 0,
      ...(opts.currentDate ? { currentDate: opts.currentDate } : {}),
    }));
  } catch (e) {
    throw verificationError(e);
  }
  const parsed = GrantClaims.safeParse(payload);
  if (!parsed.success) throw new GrantVerificationError('GRANT_INVALID', 'the token does not carry the claims of a grant');
  if (opts.intentHash !== undefined && parsed.data.intent_hash !== opts.intentHash) {
    throw new GrantVerificationError('INTENT_HASH_MISMATCH', 'the grant is bound to another intent');
  }
  return parsed.data;
}

function verificationError(e: unknown): GrantVerificationError {
  if (e instanceof errors.JWTExpired) return new GrantVerificationError('GRANT_TOKEN_EXPIRED', 'the grant has expired');
  if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud') return new GrantVerificationError('AUDIENCE_MISMATCH', 'the grant was issued for another audience');
  // A failed fetch is a TypeError; an HTTP error or a non-JSON answer from the JWKS URL a generic JOSEError.
  if (!(e instanceof errors.JOSEError) || e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || e.code === 'ERR_JOSE_GENERIC') {
    return new GrantVerificationError('JWKS_UNAVAILABLE', 'the broker keys could not be fetched');
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return new GrantVerificationError('GRANT_INVALID', 'bad signature');
  if (e instanceof errors.JWKSNoMatchingKey) return new GrantVerificationError('GRANT_INVALID', 'signed by a key the broker does not publish');
  return new GrantVerificationError('GRANT_INVALID', `not a valid grant (${e.code})`);
}
