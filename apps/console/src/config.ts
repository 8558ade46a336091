import { z } from 'zod';
import { env, loadConfig } from '@countersign/platform/config';

export const ConsoleConfigSchema = z.object({
  PORT: env.port(3006),
  LOG_LEVEL: env.logLevel(),
  /** Where browsers reach the console; the OIDC redirect URI is <it>/auth/callback. */
  CONSOLE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3006'),
  OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'the URL of the OpenID Connect provider (npm start: the dev-idp, http://127.0.0.1:3007)' }),
  OIDC_CLIENT_ID: z.string().min(1).default('countersign-console'),
  /** Unset: a public client (PKCE only). Set: a confidential client (client_secret_basic). */
  OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
  /** What the console asks for: voting and reading the audit log, never submitting intents or claiming grants. */
  OIDC_SCOPES: z.string().min(1).default('openid profile reviews:vote audit:read'),
  /** Plain-http IdPs are refused unless this is set (the dev-idp of npm start). */
  OIDC_ALLOW_HTTP: env.flag(false),
  POLICY_URL: env.url('http://127.0.0.1:3002'),
  AUDIT_URL: env.url('http://127.0.0.1:3005'),
  CONSOLE_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(8 * 3600),
  /**
   * Step-up pages (passkey registration, step-up votes) want a sign-in made for them (prompt=login) at
   * most this long ago; below policy's POLICY_STEP_UP_MAX_AGE_SECONDS so that it is still fresh there.
   */
  CONSOLE_STEP_UP_MAX_AGE_SECONDS: z.coerce.number().int().min(30).max(3600).default(240),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;

export function loadConsoleConfig(source: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig('console', ConsoleConfigSchema, source);
}
