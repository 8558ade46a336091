import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { DEV_ISSUER } from './dev-issuer.js';
import { AuthError } from './errors.js';
import type { IssuerDefaults } from './config.js';
import { identityFromClaims, type VerifiedIdentity } from './identity.js';

export interface TrustedIssuer {
  issuer: string;
  jwksUri: string;
  /** Overrides the verifier-wide audience for tokens of this issuer. */
  audience?: string;
  /** Kind, scopes, groups and owner claim for tokens that do not carry ours (GitHub Actions, Kubernetes). */
  defaults?: IssuerDefaults;
}

export interface TokenVerifierConfig {
  audience: string;
  issuers: TrustedIssuer[];
  /** Dev-only: trust the local dev issuer whose public JWKS is in this file. */
  devIssuer?: { jwksFile: string };
}

/** Asymmetric only: HS* would let anyone holding a verification key mint tokens; `none` is never valid. */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'];
export const CLOCK_TOLERANCE_SECONDS = 30;

interface IssuerKeys {
  keys: JWTVerifyGetKey;
  audience: string;
  defaults?: IssuerDefaults | undefined;
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)[ ]*$/i;

export class TokenVerifier {
  private constructor(private readonly issuers: ReadonlyMap<string, IssuerKeys>) {}

  static async fromConfig(cfg: TokenVerifierConfig): Promise<TokenVerifier> {
    const issuers = new Map<string, IssuerKeys>();
    for (const i of cfg.issuers) {
      // createRemoteJWKSet caches keys and refetches on an unknown kid (key rotation), with a cooldown.
      issuers.set(i.issuer, { keys: createRemoteJWKSet(new URL(i.jwksUri)), audience: i.audience ?? cfg.audience, defaults: i.defaults });
    }
    if (cfg.devIssuer) {
      const jwks = JSON.parse(await readFile(cfg.devIssuer.jwksFile, 'utf8')) as JSONWebKeySet;
      issuers.set(DEV_ISSUER, { keys: createLocalJWKSet(jwks), audience: cfg.audience });
    }
    return new TokenVerifier(issuers);
  }

  /** For tests and embedders that already hold the keys. */
  static fromKeySets(entries: Array<{ issuer: string; jwks: JSONWebKeySet; audience: string }>): TokenVerifier {
    return new TokenVerifier(
      new Map(entries.map((e) => [e.issuer, { keys: createLocalJWKSet(e.jwks), audience: e.audience }])),
    );
  }

  async verifyBearer(authorizationHeader: string | undefined): Promise<VerifiedIdentity> {
    if (authorizationHeader === undefined || authorizationHeader.trim() === '') {
      throw new AuthError('TOKEN_MISSING', 'a Bearer token is required');
    }
    const match = BEARER.exec(authorizationHeader);
    if (!match?.[1]) throw new AuthError('TOKEN_INVALID', 'the Authorization header must be "Bearer <JWT>"');
    return this.verify(match[1]);
  }

  async verify(token: string): Promise<VerifiedIdentity> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new AuthError('TOKEN_INVALID', 'the token is not a well-formed JWT');
    }
    // Picking the key set by the unverified `iss` is safe: jwtVerify then checks the issuer and the
    // signature against that issuer's keys only.
    const trusted = typeof iss === 'string' ? this.issuers.get(iss) : undefined;
    if (!trusted || typeof iss !== 'string') throw new AuthError('ISSUER_UNKNOWN', 'the token issuer is not trusted');
    try {
      const { payload } = await jwtVerify(token, trusted.keys, {
        issuer: iss,
        audience: trusted.audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      return identityFromClaims(payload, trusted.defaults);
    } catch (error) {
      throw toAuthError(error);
    }
  }
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('TOKEN_EXPIRED', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new AuthError('AUDIENCE_MISMATCH', 'the token is not meant for this audience');
    return new AuthError('TOKEN_INVALID', `token claim ${error.claim} failed validation`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('TOKEN_INVALID', 'no trusted key matches the token');
  }
  // Signature failures, disallowed algorithms (`none` included) and malformed JWS; details stay internal.
  return new AuthError('TOKEN_INVALID', 'the token could not be verified');
}
