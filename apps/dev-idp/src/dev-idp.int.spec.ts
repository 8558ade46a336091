import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '@countersign/platform/auth';
import { createLogger } from '@countersign/platform/logging';
import { devIdpAccessToken, freePort } from '@countersign/testing';
import { DevIdpConfigSchema } from './config.js';
import { startDevIdp, type RunningDevIdp } from './server.js';

const identitiesFile = fileURLToPath(new URL('../../../config/demo-identities.yaml', import.meta.url));
const redirectUri = 'http://127.0.0.1:1/auth/callback';
let idp: RunningDevIdp;
let verifier: TokenVerifier;

beforeAll(async () => {
  const port = await freePort();
  const config = DevIdpConfigSchema.parse({ PORT: String(port), DEV_IDP_IDENTITIES_FILE: identitiesFile, DEV_IDP_REDIRECT_URIS: redirectUri });
  idp = await startDevIdp(config, createLogger('dev-idp', 'silent'));
  // The services' own verifier, trusting this issuer as AUTH_ISSUERS would.
  verifier = await TokenVerifier.fromConfig({ audience: 'countersign', issuers: [{ issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` }] });
});
afterAll(async () => {
  idp?.server.closeAllConnections();
  await idp?.close();
});

const signIn = (username: string, scope: string, password = 'countersign-demo') =>
  devIdpAccessToken({ issuer: idp.issuer, clientId: 'countersign-console', redirectUri, username, password, scope });

describe('dev identity provider', () => {
  it('signs a demo identity in with code + PKCE and issues an access token the services accept', async () => {
    const token = await signIn('bob', 'openid reviews:vote audit:read');
    const identity = await verifier.verifyBearer(`Bearer ${token}`);
    expect(identity.requester).toMatchObject({ subject: 'bob', issuer: idp.issuer, kind: 'user', groups: ['security', 'approvers'] });
    // Only what was asked for AND what the identity holds: bob has no audit:read.
    expect(identity.scopes).toEqual(['reviews:vote']);
    // When bob signed in, for step-up votes (which want a recent sign-in).
    expect(Math.abs(identity.authTime!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('carries the owner of a pipeline and its kind', async () => {
    const identity = await verifier.verifyBearer(`Bearer ${await signIn('ci-deployer', 'openid intents:write')}`);
    expect(identity.requester).toMatchObject({ subject: 'ci-deployer', kind: 'pipeline', owner: 'alice' });
    expect(identity.scopes).toEqual(['intents:write']);
  });

  it('refuses a wrong password and an unknown identity', async () => {
    await expect(signIn('bob', 'openid', 'wrong-password')).rejects.toMatchObject({ status: 401 });
    await expect(signIn('nobody', 'openid')).rejects.toMatchObject({ status: 401 });
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = `${idp.issuer}/auth?client_id=countersign-console&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(redirectUri)}`;
    const res = await fetch(url, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/requires PKCE/);
  });

  it('serves its JWKS and discovery', async () => {
    const disc = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(disc.issuer).toBe(idp.issuer);
    expect(disc.jwks_uri).toBe(`${idp.issuer}/jwks`);
    expect(((await (await fetch(disc.jwks_uri)).json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });
});
