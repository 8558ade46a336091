import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type RemoteJWKSet } from 'jose';
import { NotifierError } from '../errors/notifier-error.js';

export interface BotTokenSettings {
  /** The Bot Framework's OpenID metadata; its `jwks_uri` names the signing keys. */
  openIdMetadataUrl: string;
  /** `iss` of the tokens the Bot Framework sends (https://api.botframework.com). */
  issuer: string;
  /** The bot's Microsoft App ID: the tokens' audience. */
  appId: string;
  timeoutMs: number;
}

/** The Bot Framework allows five minutes of clock skew (its own SDKs use the same). */
export const BOT_TOKEN_CLOCK_TOLERANCE_SECONDS = 300;
/** The metadata (and so the JWKS address) is refetched after a day; keys themselves follow jose's cache (refetch on an unknown kid). */
const METADATA_MAX_AGE_MS = 24 * 3600_000;
const BEARER = /^Bearer[ ]+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)[ ]*$/i;

/** What the activity says about itself, needed to check the token against it. */
export interface ActivityToVerify {
  serviceUrl: unknown;
  channelId: unknown;
}

interface KeySet {
  keys: RemoteJWKSet;
  loadedAt: number;
}

/**
 * Verifies the JWT the Bot Framework puts on every inbound activity (Bot Framework authentication
 * spec, "connector to bot"): RS256 signature by a key from the JWKS named in the OpenID metadata,
 * issuer, audience = our App ID, exp/nbf with 5 minutes of tolerance, the key endorsed for the
 * activity's channel (when the key lists endorsements), and the `serviceurl` claim equal to the
 * activity's `serviceUrl` (so a token cannot redirect our replies elsewhere). Anything else is a 401.
 */
export class BotFrameworkTokenVerifier {
  private keySet: KeySet | undefined;
  private loading: Promise<KeySet> | undefined;

  constructor(
    private readonly settings: BotTokenSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(authorization: string | undefined, activity: ActivityToVerify): Promise<JWTPayload> {
    if (authorization === undefined || authorization.trim() === '') {
      throw new NotifierError('TEAMS_TOKEN_MISSING', 'a Bot Framework bearer token is required');
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw new NotifierError('TEAMS_TOKEN_INVALID', 'the Authorization header must be "Bearer <JWT>"');
    const { keys } = await this.keys();
    let payload: JWTPayload;
    let kid: string | undefined;
    try {
      const verified = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.appId,
        algorithms: ['RS256'],
        clockTolerance: BOT_TOKEN_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
        currentDate: new Date(this.now()),
      });
      payload = verified.payload;
      kid = verified.protectedHeader.kid;
    } catch (error) {
      throw toNotifierError(error);
    }
    const key = keys.jwks()?.keys.find((k) => k.kid === kid) as { endorsements?: unknown } | undefined;
    if (Array.isArray(key?.endorsements) && !key.endorsements.includes(activity.channelId)) {
      throw new NotifierError('TEAMS_TOKEN_INVALID', 'the signing key is not endorsed for this channel');
    }
    if (typeof activity.serviceUrl !== 'string' || payload['serviceurl'] !== activity.serviceUrl) {
      throw new NotifierError('TEAMS_SERVICE_URL_MISMATCH', "the token's serviceurl does not match the activity's serviceUrl");
    }
    return payload;
  }

  private async keys(): Promise<KeySet> {
    if (this.keySet && this.now() - this.keySet.loadedAt < METADATA_MAX_AGE_MS) return this.keySet;
    this.loading ??= this.loadKeys()
      .then((k) => (this.keySet = k))
      .finally(() => (this.loading = undefined));
    try {
      return await this.loading;
    } catch (error) {
      // An older key set is better than none while the metadata endpoint is down.
      if (this.keySet) return this.keySet;
      throw error;
    }
  }

  private async loadKeys(): Promise<KeySet> {
    let jwksUri: unknown;
    try {
      const res = await fetch(this.settings.openIdMetadataUrl, { redirect: 'error', signal: AbortSignal.timeout(this.settings.timeoutMs) });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      jwksUri = ((await res.json()) as { jwks_uri?: unknown }).jwks_uri;
    } catch (error) {
      throw new NotifierError('TEAMS_KEYS_UNAVAILABLE', `the Bot Framework OpenID metadata cannot be read: ${(error as Error).message}`, { retryAfterSeconds: 5 });
    }
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
      throw new NotifierError('TEAMS_KEYS_UNAVAILABLE', 'the Bot Framework OpenID metadata names no jwks_uri', { retryAfterSeconds: 5 });
    }
    return { keys: createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: this.settings.timeoutMs }), loadedAt: this.now() };
  }
}

function toNotifierError(error: unknown): NotifierError {
  if (error instanceof errors.JWTExpired) return new NotifierError('TEAMS_TOKEN_EXPIRED', 'the Bot Framework token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new NotifierError('TEAMS_AUDIENCE_MISMATCH', 'the token is not meant for this bot');
    if (error.claim === 'iss') return new NotifierError('TEAMS_ISSUER_MISMATCH', 'the token was not issued by the Bot Framework');
    return new NotifierError('TEAMS_TOKEN_INVALID', `token claim ${error.claim} failed validation`);
  }
  // Keys that cannot be fetched are our problem, not the caller's: 503, and the Bot Framework may retry.
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return new NotifierError('TEAMS_KEYS_UNAVAILABLE', 'the Bot Framework signing keys cannot be read', { retryAfterSeconds: 5 });
  }
  // Bad signatures, unknown keys, other algorithms (`none` included) and malformed tokens.
  return new NotifierError('TEAMS_TOKEN_INVALID', 'the Bot Framework token could not be verified');
}
