import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authEnvShape, checkDevIssuerEnv, tokenVerifierConfigFromEnv } from './config.js';

const Schema = z.object(authEnvShape).superRefine(checkDevIssuerEnv);

describe('auth env', () => {
  it('defaults to no issuers and no dev issuer', () => {
    const cfg = Schema.parse({});
    expect(tokenVerifierConfigFromEnv(cfg)).toEqual({ audience: 'countersign', issuers: [] });
  });

  it('parses AUTH_ISSUERS and the dev issuer', () => {
    const cfg = Schema.parse({
      AUTH_ISSUERS: '[{"issuer":"https://idp","jwksUri":"https://idp/jwks","audience":"cs"}]',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_JWKS_FILE: '/tmp/jwks.json',
    });
    expect(tokenVerifierConfigFromEnv(cfg)).toEqual({
      audience: 'countersign',
      issuers: [{ issuer: 'https://idp', jwksUri: 'https://idp/jwks', audience: 'cs' }],
      devIssuer: { jwksFile: '/tmp/jwks.json' },
    });
  });

  it('names the variable at fault', () => {
    const bad = Schema.safeParse({ AUTH_ISSUERS: 'nope' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['AUTH_ISSUERS']);
    const missing = Schema.safeParse({ DEV_ISSUER_ENABLED: 'true' });
    expect(missing.error?.issues[0]?.path).toEqual(['DEV_ISSUER_JWKS_FILE']);
    const noUrl = Schema.safeParse({ AUTH_ISSUERS: '[{"issuer":"x","jwksUri":"ftp://x"}]' });
    expect(noUrl.error?.issues[0]?.path[0]).toBe('AUTH_ISSUERS');
  });
});
