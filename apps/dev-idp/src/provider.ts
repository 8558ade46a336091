import { randomBytes } from 'node:crypto';
import Provider, { errors, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import type { DemoIdentity } from '@countersign/platform/auth';

/** The one API the tokens are for; its audience is what the services check (AUTH_AUDIENCE). */
export const RESOURCE = 'urn:countersign:api';
/** Every scope the services know; a client gets the ones it asks for that the identity holds. */
export const API_SCOPES = ['intents:write', 'reviews:vote', 'grants:claim', 'policy:explain', 'audit:read'] as const;

export interface ProviderSettings {
  issuer: string;
  audience: string;
  clientId: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  signingKey: JWK;
  tokenTtlSeconds: number;
  identities: readonly DemoIdentity[];
}

export const subjectOf = (identity: DemoIdentity) => identity.subject ?? identity.name;

/**
 * oidc-provider (OpenID Certified) configured for one public client (the console) with authorization
 * code + PKCE, and JWT access tokens for the Countersign API carrying the claims the services read
 * (groups, countersign_kind, owner; scope = granted API scopes).
 */
export function createProvider(s: ProviderSettings): Provider {
  const bySubject = new Map(s.identities.map((i) => [subjectOf(i), i]));
  const configuration: Configuration = {
    clients: [
      {
        client_id: s.clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: s.redirectUris,
        post_logout_redirect_uris: s.postLogoutRedirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [s.signingKey] },
    pkce: { required: () => true },
    // Cookie signing keys live as long as the process: a restart only ends sign-in sessions at the IdP.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // API scopes belong to the resource server below, not to OpenID Connect.
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['name', 'groups'] },
    // The console shows name and groups from the ID token of a code flow; its access token is for the API, not /me.
    conformIdTokenClaims: false,
    ttl: { AccessToken: s.tokenTtlSeconds, IdToken: s.tokenTtlSeconds, Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600 },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (resource !== RESOURCE) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: API_SCOPES.join(' '),
            audience: s.audience,
            accessTokenTTL: s.tokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      const identity = bySubject.get(sub);
      if (!identity) return undefined;
      return { accountId: sub, claims: () => ({ sub, name: identity.name, groups: identity.groups }) };
    },
    extraTokenClaims: (ctx: KoaContextWithOIDC, token) => {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const identity = accountId ? bySubject.get(accountId) : undefined;
      if (!identity) return undefined;
      // auth_time (when the person typed the password) lets the API ask for a recent sign-in: step-up votes.
      const authTime = ctx.oidc.entities.AuthorizationCode?.authTime;
      return {
        groups: identity.groups,
        countersign_kind: identity.kind,
        ...(identity.owner ? { owner: identity.owner } : {}),
        ...(typeof authTime === 'number' ? { auth_time: authTime } : {}),
      };
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
  };
  return new Provider(s.issuer, configuration);
}
