import { describe, expect, it } from 'vitest';
import { authEnvShape } from './config.js';
import { identityFromClaims } from './identity.js';

// A GitHub Actions OIDC token's claims: no scope, no groups, no kind of ours.
const github = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:acme/payments:ref:refs/heads/main',
  aud: 'countersign',
  exp: Math.floor(Date.now() / 1000) + 300,
  actor: 'alice',
  repository: 'acme/payments',
};
const defaults = { kind: 'pipeline' as const, scopes: ['intents:write', 'grants:claim'], groups: ['ci'], ownerClaim: 'actor' };

describe('identityFromClaims with issuer defaults', () => {
  it("gives a token without our claims the issuer's kind, scopes and groups, and its owner from the named claim", () => {
    const id = identityFromClaims(github, defaults);
    expect(id.requester).toEqual({ kind: 'pipeline', subject: github.sub, issuer: github.iss, groups: ['ci'], owner: 'alice' });
    expect(id.scopes).toEqual(['intents:write', 'grants:claim']);
  });

  it('lets claims the token carries win, an empty scope included, and ignores a non-string owner claim', () => {
    const id = identityFromClaims({ ...github, scope: '', countersign_kind: 'agent', groups: ['own'], owner: 'bob' }, defaults);
    expect([id.requester.kind, id.requester.groups, id.requester.owner, id.scopes]).toEqual(['agent', ['own'], 'bob', []]);
    expect(identityFromClaims({ ...github, actor: 42 }, defaults).requester.owner).toBeUndefined();
  });

  it('without defaults, a bare token is a user with no scopes (nothing is granted by omission)', () => {
    const id = identityFromClaims(github);
    expect([id.requester.kind, id.requester.groups, id.requester.owner, id.scopes]).toEqual(['user', [], undefined, []]);
  });

  it('parses defaults from AUTH_ISSUERS and refuses unknown fields in them', () => {
    const issuers = (raw: unknown) => authEnvShape.AUTH_ISSUERS.safeParse(JSON.stringify(raw));
    const ok = issuers([{ issuer: github.iss, jwksUri: 'https://token.actions.githubusercontent.com/.well-known/jwks', defaults }]);
    expect(ok.success && ok.data[0]?.defaults).toEqual(defaults);
    expect(issuers([{ issuer: 'x', jwksUri: 'https://x/jwks', defaults: { scopes: ['a'], admin: true } }]).success).toBe(false);
    expect(issuers([{ issuer: 'x', jwksUri: 'https://x/jwks', defaults: { kind: 'robot' } }]).success).toBe(false);
  });
});
