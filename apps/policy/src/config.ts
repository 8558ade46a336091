import { z } from 'zod';
import { authEnvShape, checkDevIssuerEnv } from '@countersign/platform/auth';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

export const PolicyConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3002),
    LOG_LEVEL: env.logLevel(),
    ...authEnvShape,
    // Required on purpose: a default directory could quietly boot production on the demo policy.
    POLICY_DIR: z.string().min(1, 'the directory holding the *.yaml policy files'),
    /** File with the HMAC key for masked values (≥ 32 bytes); a file so that it never sits in the environment. */
    POLICY_MASK_KEY_FILE: z.string().min(1, 'a file holding the masking key (at least 32 bytes)'),
    /** How often the policy directory is checked for changes, besides file-system notifications. */
    POLICY_RELOAD_INTERVAL_MS: z.coerce.number().int().min(100).default(2_000),
    /** How often review timers (reminders, escalation, expiry) and the outbox relay run. */
    POLICY_TIMER_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
    /**
     * WebAuthn relying party of step-up passkeys: the console's host name (a domain, never an IP
     * address: browsers refuse those) and the origins the console is served from.
     */
    POLICY_WEBAUTHN_RP_ID: z
      .string()
      .regex(/^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9.-]+$/i, 'a host name such as console.example.com or localhost (not an IP address)')
      .default('localhost'),
    POLICY_WEBAUTHN_ORIGINS: z
      .string()
      .default('http://localhost:3006')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1, 'at least one origin, e.g. https://console.example.com')),
    /** A step-up vote needs a sign-in (the token's auth_time) at most this old. */
    POLICY_STEP_UP_MAX_AGE_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  })
  .superRefine(checkDevIssuerEnv);
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

export function loadPolicyConfig(source: NodeJS.ProcessEnv = process.env): PolicyConfig {
  return loadConfig('policy', PolicyConfigSchema, source);
}
