import { readFile } from 'node:fs/promises';
import { Ed25519Key, type JWK } from '@countersign/platform/crypto';
import { createLocalJWKSet, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { Errors } from './errors.js';
import { GRANT_ISSUER, GRANT_TOKEN_TYPE, GrantClaims } from './grant-claims.js';

/**
 * The broker's signing key, imported once at boot (parsing a PEM per call costs 10x, STACK.md), and
 * the matching verifier. Redeem verifies against the public JWKS, exactly as an outside target would.
 */
export class GrantKeys {
  private readonly verifyKeys: JWTVerifyGetKey;

  constructor(private readonly key: Ed25519Key) {
    this.verifyKeys = createLocalJWKSet(this.jwks());
  }

  static async fromFile(path: string): Promise<GrantKeys> {
    return new GrantKeys(Ed25519Key.fromPem(await readFile(path, 'utf8')));
  }

  get kid(): string {
    return this.key.kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk()] };
  }

  sign(claims: GrantClaims): Promise<string> {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.key.kid, typ: GRANT_TOKEN_TYPE })
      .sign(this.key.privateKeyObject);
  }

  /** Verifies signature, issuer, type, audience and time; throws a BrokerError naming the failure. */
  async verify(token: string, audience: string, now: Date): Promise<GrantClaims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.verifyKeys, {
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
      if (e instanceof errors.JOSEError) throw Errors.invalid(e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'bad signature' : 'malformed or not a grant');
      throw e;
    }
    const parsed = GrantClaims.safeParse(payload);
    if (!parsed.success) throw Errors.invalid('unexpected claims');
    return parsed.data;
  }
}
