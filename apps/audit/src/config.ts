import { z } from 'zod';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

const TrustedIssuers = z.array(
  z.strictObject({ issuer: z.string().min(1), jwksUri: z.url(), audience: z.string().min(1).optional() }),
);

/** AUTH_ISSUERS is JSON in an env variable; a parse failure must name the variable, not crash. */
const JsonIssuers = z
  .string()
  .default('[]')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {issuer, jwksUri, audience?}' });
      return z.NEVER;
    }
  })
  .pipe(TrustedIssuers);

export const AuditConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3005),
    LOG_LEVEL: env.logLevel(),
    AUTH_AUDIENCE: z.string().min(1).default('countersign'),
    AUTH_ISSUERS: JsonIssuers,
    DEV_ISSUER_ENABLED: env.flag(false),
    DEV_ISSUER_JWKS_FILE: z.string().min(1).optional(),
    AUDIT_SIGNING_KEY_FILE: z.string().min(1, 'path of the Ed25519 PKCS8 PEM key that signs audit entries'),
    AUDIT_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(256),
  })
  .superRefine((c, ctx) => {
    if (c.DEV_ISSUER_ENABLED && !c.DEV_ISSUER_JWKS_FILE) {
      ctx.addIssue({ code: 'custom', path: ['DEV_ISSUER_JWKS_FILE'], message: 'required when DEV_ISSUER_ENABLED=true' });
    }
  });
export type AuditConfig = z.infer<typeof AuditConfigSchema>;

export function loadAuditConfig(source: NodeJS.ProcessEnv = process.env): AuditConfig {
  return loadConfig('audit', AuditConfigSchema, source);
}
