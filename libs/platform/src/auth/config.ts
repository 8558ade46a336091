import { ActorKind } from '@countersign/contracts';
import { z } from 'zod';
import { env } from '../config/index.js';
import type { TokenVerifierConfig } from './token-verifier.js';

/**
 * For issuers whose tokens carry none of our claims (GitHub Actions, Kubernetes service accounts): what
 * a token of this issuer stands for when it does not say. A claim present in the token always wins.
 */
const IssuerDefaults = z.strictObject({
  kind: ActorKind.optional(),
  scopes: z.array(z.string().min(1).max(128)).max(32).optional(),
  groups: z.array(z.string().min(1).max(128)).max(64).optional(),
  /** A claim naming the human behind the workload (GitHub's `actor`): becomes the requester's owner, who may not approve. */
  ownerClaim: z.string().min(1).max(64).optional(),
});
export type IssuerDefaults = z.infer<typeof IssuerDefaults>;

const TrustedIssuers = z.array(
  z.strictObject({
    issuer: z.string().min(1),
    jwksUri: z.url({ protocol: /^https?$/ }),
    audience: z.string().min(1).optional(),
    defaults: IssuerDefaults.optional(),
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
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {issuer, jwksUri, audience?, defaults?}' });
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
      ...(i.defaults !== undefined ? { defaults: i.defaults } : {}),
    })),
    ...(cfg.DEV_ISSUER_ENABLED && cfg.DEV_ISSUER_JWKS_FILE ? { devIssuer: { jwksFile: cfg.DEV_ISSUER_JWKS_FILE } } : {}),
  };
}
