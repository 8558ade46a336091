import { AuthError, DEV_ISSUER, DevIssuer, TokenVerifier } from '@countersign/platform/auth';
import { Clock } from '@countersign/platform/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERIFIED_TOKEN_TTL_MS, VerifiedTokens } from './verified-tokens.js';

class ManualClock extends Clock {
  constructor(public at: number) {
    super();
  }
  now(): Date {
    return new Date(this.at);
  }
}

const alice = { name: 'alice', kind: 'user' as const, groups: [], scopes: ['intents:write'] };
let issuer: DevIssuer;
let verifier: TokenVerifier;

beforeAll(async () => {
  issuer = await DevIssuer.generate();
  verifier = TokenVerifier.fromKeySets([{ issuer: DEV_ISSUER, jwks: issuer.jwks(), audience: 'countersign' }]);
});

describe('VerifiedTokens', () => {
  it('serves a verified token from memory until the TTL, then verifies it again', async () => {
    const clock = new ManualClock(Date.now());
    const tokens = new VerifiedTokens(verifier, clock);
    const header = `Bearer ${await issuer.mint(alice, { audience: 'countersign' })}`;
    const first = await tokens.verifyBearer(header);
    expect(first.requester.subject).toBe('alice');
    expect(await tokens.verifyBearer(header)).toBe(first);
    clock.at += VERIFIED_TOKEN_TTL_MS + 1;
    const again = await tokens.verifyBearer(header);
    expect(again).not.toBe(first);
    expect(again.requester).toEqual(first.requester);
    expect(tokens.size).toBe(1);
  });

  it('never serves a token from memory past its exp', async () => {
    const issuedAt = new Date(Date.now() - 3_000);
    const header = `Bearer ${await issuer.mint(alice, { audience: 'countersign', issuedAt, ttlSeconds: 60 })}`;
    const clock = new ManualClock(Date.now());
    const tokens = new VerifiedTokens(verifier, clock);
    const first = await tokens.verifyBearer(header);
    expect(await tokens.verifyBearer(header)).toBe(first);
    // The cached entry ends at exp (57 s from now), before the 60 s TTL: past it, the verifier answers again.
    clock.at = first.expiresAt.getTime() + 1;
    expect(await tokens.verifyBearer(header)).not.toBe(first);
  });

  it('does not remember failures', async () => {
    const tokens = new VerifiedTokens(verifier, new ManualClock(Date.now()));
    const forged = `Bearer ${await (await DevIssuer.generate()).mint(alice, { audience: 'countersign' })}`;
    await expect(tokens.verifyBearer(forged)).rejects.toBeInstanceOf(AuthError);
    await expect(tokens.verifyBearer(undefined)).rejects.toMatchObject({ code: 'TOKEN_MISSING' });
    expect(tokens.size).toBe(0);
  });
});
