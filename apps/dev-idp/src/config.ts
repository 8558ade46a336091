import { z } from 'zod';
import { env, loadConfig } from '@countersign/platform/config';

/** Every variable the dev identity provider reads; parsed once at boot, a bad one is named. */
export const DevIdpConfigSchema = z
  .object({
    PORT: env.port(3007),
    LOG_LEVEL: env.logLevel(),
    /** The `iss` of its tokens: list it in the services' AUTH_ISSUERS (jwksUri = <issuer>/jwks). */
    DEV_IDP_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    DEV_IDP_IDENTITIES_FILE: z.string().min(1).default('config/demo-identities.yaml'),
    /** One password for every demo identity: this provider proves nothing about anyone. */
    DEV_IDP_PASSWORD: z.string().min(8).default('countersign-demo'),
    DEV_IDP_CLIENT_ID: z.string().min(1).default('countersign-console'),
    DEV_IDP_REDIRECT_URIS: env.list().pipe(z.array(z.url()).min(1, 'at least one redirect URI of the console, e.g. http://127.0.0.1:3006/auth/callback')),
    DEV_IDP_POST_LOGOUT_REDIRECT_URIS: env.list().pipe(z.array(z.url())),
    /** Keeps the signing key across restarts (created on first use); unset = a new key each start. */
    DEV_IDP_KEY_FILE: z.string().min(1).optional(),
    DEV_IDP_AUDIENCE: z.string().min(1).default('countersign'),
    DEV_IDP_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  });
export type DevIdpConfig = z.infer<typeof DevIdpConfigSchema>;

export function loadDevIdpConfig(source: NodeJS.ProcessEnv = process.env): DevIdpConfig {
  return loadConfig('dev-idp', DevIdpConfigSchema, source);
}

export function issuerOf(config: DevIdpConfig): string {
  return config.DEV_IDP_ISSUER ?? `http://127.0.0.1:${config.PORT}`;
}
