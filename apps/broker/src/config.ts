import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';
import { authEnvShape, checkDevIssuerEnv } from '@countersign/platform/auth';
import { z } from 'zod';

export const BrokerConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3004),
    LOG_LEVEL: env.logLevel(),
    ...authEnvShape,
    /** Ed25519 PKCS8 PEM that signs grants; loaded once at boot. */
    BROKER_SIGNING_KEY_FILE: z.string().min(1),
    /** How often the sweeper expires unclaimed and unused grants. */
    BROKER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    /** How often events left unpublished by a crash are published again. */
    BROKER_OUTBOX_INTERVAL_MS: z.coerce.number().int().min(100).default(3_000),
    HTTP_BODY_LIMIT: z.string().default('16kb'),
  })
  .superRefine(checkDevIssuerEnv);
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export function loadBrokerConfig(source: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return loadConfig('broker', BrokerConfigSchema, source);
}
