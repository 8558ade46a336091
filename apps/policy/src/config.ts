import { z } from 'zod';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

export const PolicyConfigSchema = z.object({
  NATS_URL: env.url(DEFAULT_NATS_URL),
  DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
  PORT: env.port(3002),
  LOG_LEVEL: env.logLevel(),
  // Required on purpose: a default directory could quietly boot production on the demo policy.
  POLICY_DIR: z.string().min(1, 'the directory holding the *.yaml policy files'),
});
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

export function loadPolicyConfig(source: NodeJS.ProcessEnv = process.env): PolicyConfig {
  return loadConfig('policy', PolicyConfigSchema, source);
}
