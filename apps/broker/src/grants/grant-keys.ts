import type { JWK } from '@countersign/platform/crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from '../keys/signing-keys.js';
import { Errors } from './errors.js';
import { GRANT_ISSUER, GRANT_TOKEN_TYPE, GrantClaims } from './grant-claims.js';

/** A grant whose kid this copy does not know makes it re-read its keys at most this often. */
const UNKNOWN_KID_RELOAD_MS = 1_000;

export interface VerifiedGrant {
  claims: GrantClaims;
  /** The key that signed it. */
  kid: string;
}

/**
 * Signs grants with the active key and verifies them against every key of the set. Redeem verifies
 * against the public JWKS, exactly as an outside target would.
 */
export class GrantKeys {
  constructor(private readonly keys: SigningKeys) {}

  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }

  async sign(claims: GrantClaims): Promise<{ token: string; kid: string }> {
    // Read once: a reload between the header and the signature must not mix two keys.
    const key = this.keys.active;
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: GRANT_TOKEN_TYPE })
      .sign(key.privateKeyObject);
    return { token, kid: key.kid };
  }

  /** Verifies signature, issuer, type, audience and time; throws a BrokerError naming the failure. */
  async verify(token: string, audience: string, now: Date): Promise<VerifiedGrant> {
    const kid = kidOf(token);
    // Every grant names its key; without a kid jose would try whichever key fits.
    if (kid === undefined) throw Errors.invalid('malformed or not a grant');
    // Another copy of broker may already sign with a key added since this one last read the directory.
    if (!this.keys.has(kid)) await this.keys.reloadIfOlderThan(UNKNOWN_KID_RELOAD_MS);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys.verifyKeys, {
        issuer: GRANT_ISSUER,
        audience,
        algorithms: ['EdDSA'],
        typ: GRANT_TOKEN_TYPE,
        currentDate: now,
        requiredClaims: ['jti', 'sub', 'iat', 'nbf', 'exp'],
      }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw Errors.tokenExpired();
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud') throw Errors.audienceMismatch();
      if (e instanceof errors.JWKSNoMatchingKey) throw Errors.invalid('signed by a key this broker does not hold');
      if (e instanceof errors.JOSEError) throw Errors.invalid(e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'bad signature' : 'malformed or not a grant');
      throw e;
    }
    const parsed = GrantClaims.safeParse(payload);
    if (!parsed.success) throw Errors.invalid('unexpected claims');
    return { claims: parsed.data, kid };
  }
}

function kidOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
