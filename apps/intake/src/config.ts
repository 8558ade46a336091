import { authEnvShape, checkDevIssuerEnv } from '@countersign/platform/auth';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';
import { z } from 'zod';

export const IntakeConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3001),
    LOG_LEVEL: env.logLevel(),
    ...authEnvShape,
    /** How long a submitted event may stay unpublished before the background republisher sends it. */
    INTAKE_REPUBLISH_AFTER_MS: z.coerce.number().int().min(0).default(5_000),
    INTAKE_REPUBLISH_INTERVAL_MS: z.coerce.number().int().min(100).default(3_000),
  })
  .superRefine(checkDevIssuerEnv);

export type IntakeConfig = z.infer<typeof IntakeConfigSchema>;

export function loadIntakeConfig(source: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return loadConfig('intake', IntakeConfigSchema, source);
}
