import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { ConsoleError } from '../http/console-error.js';

export const OIDC_SETTINGS = Symbol('OIDC_SETTINGS');
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecretFile?: string | undefined;
  scopes: string;
  redirectUri: string;
  allowHttp: boolean;
  /** How recent a step-up sign-in must be (max_age, checked against the ID token's auth_time). */
  stepUpMaxAgeSeconds: number;
}

export interface SignedIn {
  subject: string;
  name: string;
  groups: string[];
  scopes: string[];
  accessToken: string;
  expiresAt: Date;
  authTime: Date;
}

/** Authorization code + PKCE with openid-client; the provider's metadata is discovered once, on first use. */
@Injectable()
export class OidcClient {
  private config: Promise<oidc.Configuration> | undefined;

  constructor(@Inject(OIDC_SETTINGS) private readonly settings: OidcSettings) {}

  private configuration(): Promise<oidc.Configuration> {
    this.config ??= this.discover().catch((error: unknown) => {
      // Not cached: the IdP may just be starting; the next sign-in tries again.
      this.config = undefined;
      throw error;
    });
    return this.config;
  }

  private async discover(): Promise<oidc.Configuration> {
    const s = this.settings;
    const secret = s.clientSecretFile ? (await readFile(s.clientSecretFile, 'utf8')).trim() : undefined;
    const options = s.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined;
    try {
      return await oidc.discovery(new URL(s.issuer), s.clientId, secret, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), options);
    } catch {
      throw new ConsoleError('IDP_UNAVAILABLE', 502, `The identity provider at ${s.issuer} did not answer; try again in a moment.`);
    }
  }

  /** `fresh`: the person must sign in again now (prompt=login, max_age), for step-up pages. */
  async authorizationUrl(p: { state: string; nonce: string; codeVerifier: string; fresh: boolean }): Promise<URL> {
    const config = await this.configuration();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      state: p.state,
      nonce: p.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
      code_challenge_method: 'S256',
      ...(p.fresh ? { prompt: 'login', max_age: String(this.settings.stepUpMaxAgeSeconds) } : {}),
    });
  }

  /** Exchanges the code (checking state, nonce, PKCE and the ID token) for the user's tokens. */
  async finish(callbackUrl: URL, p: { state: string; nonce: string; codeVerifier: string; fresh: boolean }): Promise<SignedIn> {
    const config = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: p.codeVerifier, expectedState: p.state, expectedNonce: p.nonce, idTokenExpected: true, ...(p.fresh ? { maxAge: this.settings.stepUpMaxAgeSeconds } : {}) });
    } catch (error) {
      const detail = error instanceof oidc.AuthorizationResponseError ? `${error.error}: ${error.error_description ?? ''}` : 'the answer could not be verified';
      throw new ConsoleError('SIGN_IN_FAILED', 400, `Sign-in failed (${detail}). Start again.`);
    }
    const claims = tokens.claims();
    if (!claims) throw new ConsoleError('SIGN_IN_FAILED', 400, 'Sign-in failed: no ID token.');
    const groups = Array.isArray(claims['groups']) ? claims['groups'].filter((g): g is string => typeof g === 'string') : [];
    const now = Date.now();
    return {
      subject: claims.sub,
      name: typeof claims['name'] === 'string' ? claims['name'] : claims.sub,
      groups,
      scopes: (tokens.scope ?? '').split(' ').filter(Boolean),
      accessToken: tokens.access_token,
      expiresAt: new Date(now + (tokens.expiresIn() ?? 300) * 1000),
      authTime: typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000) : new Date(now),
    };
  }
}
