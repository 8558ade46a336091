import { z } from 'zod';
import { env } from '../config/index.js';
import type { TokenVerifierConfig } from './token-verifier.js';

const TrustedIssuers = z.array(
  z.strictObject({
    issuer: z.string().min(1),
    jwksUri: z.url({ protocol: /^https?$/ }),
    audience: z.string().min(1).optional(),
  }),
);

/**
 * The auth variables shared by every service that accepts bearer tokens. Spread into a service's
 * config schema: `z.object({ ...authEnvShape, PORT: ... }).superRefine(checkDevIssuerEnv)`.
 */
export const authEnvShape = {
  AUTH_AUDIENCE: z.string().min(1).default('countersign'),
  AUTH_ISSUERS: z
    .string()
    .default('[]')
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {issuer, jwksUri, audience?}' });
        return z.NEVER;
      }
    })
    .pipe(TrustedIssuers),
  DEV_ISSUER_ENABLED: env.flag(false),
  DEV_ISSUER_JWKS_FILE: z.string().min(1).optional(),
};

export interface AuthEnv {
  AUTH_AUDIENCE: string;
  AUTH_ISSUERS: z.infer<typeof TrustedIssuers>;
  DEV_ISSUER_ENABLED: boolean;
  DEV_ISSUER_JWKS_FILE?: string | undefined;
}

/** superRefine hook: the dev issuer needs its public JWKS file. */
export function checkDevIssuerEnv(cfg: AuthEnv, ctx: z.RefinementCtx): void {
  if (cfg.DEV_ISSUER_ENABLED && !cfg.DEV_ISSUER_JWKS_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['DEV_ISSUER_JWKS_FILE'],
      message: 'required when DEV_ISSUER_ENABLED=true (e.g. .data/dev-issuer/jwks.json)',
    });
  }
}

export function tokenVerifierConfigFromEnv(cfg: AuthEnv): TokenVerifierConfig {
  return {
    audience: cfg.AUTH_AUDIENCE,
    issuers: cfg.AUTH_ISSUERS.map((i) => ({
      issuer: i.issuer,
      jwksUri: i.jwksUri,
      ...(i.audience !== undefined ? { audience: i.audience } : {}),
    })),
    ...(cfg.DEV_ISSUER_ENABLED && cfg.DEV_ISSUER_JWKS_FILE ? { devIssuer: { jwksFile: cfg.DEV_ISSUER_JWKS_FILE } } : {}),
  };
}
