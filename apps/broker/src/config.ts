import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';
import { z } from 'zod';

const TrustedIssuer = z.object({
  issuer: z.string().min(1),
  jwksUri: z.url(),
  audience: z.string().min(1).optional(),
});

const JsonIssuers = z
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
  .pipe(z.array(TrustedIssuer));

export const BrokerConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3004),
    LOG_LEVEL: env.logLevel(),
    AUTH_AUDIENCE: z.string().min(1).default('countersign'),
    AUTH_ISSUERS: JsonIssuers,
    DEV_ISSUER_ENABLED: env.flag(false),
    DEV_ISSUER_JWKS_FILE: z.string().min(1).optional(),
    /** Ed25519 PKCS8 PEM that signs grants; loaded once at boot. */
    BROKER_SIGNING_KEY_FILE: z.string().min(1),
    /** How often the sweeper expires unclaimed and unused grants. */
    BROKER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    /** How often events left unpublished by a crash are published again. */
    BROKER_OUTBOX_INTERVAL_MS: z.coerce.number().int().min(100).default(3_000),
    HTTP_BODY_LIMIT: z.string().default('16kb'),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.DEV_ISSUER_ENABLED && !cfg.DEV_ISSUER_JWKS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_ISSUER_JWKS_FILE'],
        message: 'required when DEV_ISSUER_ENABLED=true',
      });
    }
  });
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export function loadBrokerConfig(source: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return loadConfig('broker', BrokerConfigSchema, source);
}
