import { z } from 'zod';
import { authEnvShape, checkDevIssuerEnv } from '@countersign/platform/auth';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

export const AuditConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3005),
    LOG_LEVEL: env.logLevel(),
    ...authEnvShape,
    AUDIT_SIGNING_KEY_FILE: z.string().min(1, 'path of the Ed25519 PKCS8 PEM key that signs audit entries'),
    AUDIT_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(256),
    // Audit is off the decision path: waiting a little for more events turns one transaction per event
    // into one per batch at moderate rates, which leaves the CPU to the services a requester waits on.
    AUDIT_BATCH_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(20),
    /** Names this log in its signed checkpoints (one line, no spaces), e.g. your domain + /audit. */
    AUDIT_ORIGIN: z.string().regex(/^[^\s]+$/, 'one word without spaces, e.g. countersign.example.com/audit').default('countersign/audit'),
    AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  })
  .superRefine(checkDevIssuerEnv);
export type AuditConfig = z.infer<typeof AuditConfigSchema>;

export function loadAuditConfig(source: NodeJS.ProcessEnv = process.env): AuditConfig {
  return loadConfig('audit', AuditConfigSchema, source);
}
