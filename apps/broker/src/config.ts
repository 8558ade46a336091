import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';
import { authEnvShape, checkDevIssuerEnv } from '@countersign/platform/auth';
import { z } from 'zod';
import { PgTargetsJson } from './credentials/postgres/postgres-targets.js';

const ms = (fallback: number) => z.coerce.number().int().min(100).default(fallback);
const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const BrokerConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3004),
    LOG_LEVEL: env.logLevel(),
    ...authEnvShape,
    /** One Ed25519 PKCS8 PEM that signs and verifies grants (no rotation). */
    BROKER_SIGNING_KEY_FILE: z.string().min(1).optional(),
    /** A directory of Ed25519 PKCS8 PEMs (`*.pem`): all verify, one signs (see README, key rotation). */
    BROKER_SIGNING_KEYS_DIR: z.string().min(1).optional(),
    /** How often the key file or directory is read again. */
    BROKER_KEYS_RELOAD_INTERVAL_MS: ms(10_000),
    /** How often the sweeper expires unclaimed and unused grants. */
    BROKER_SWEEP_INTERVAL_MS: ms(5_000),
    /** How often events left unpublished by a crash are published again. */
    BROKER_OUTBOX_INTERVAL_MS: ms(3_000),
    /** How often credentials are checked: used ones and those of expired grants are removed. */
    BROKER_CREDENTIAL_INTERVAL_MS: ms(500),
    /** Catalog scans of every target for roles a crash left behind: rare work, rarely. */
    BROKER_STRAY_SWEEP_INTERVAL_MS: ms(60_000),
    /** Postgres targets as JSON: `{"<kind:env/id glob>": "<admin url>" | {"url", "clientUrl"?}}`. */
    BROKER_PG_TARGETS: z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined || raw.trim() === '') return undefined;
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object {"<kind:env/id glob>": "<admin url>"}' });
          return z.NEVER;
        }
      })
      .pipe(PgTargetsJson.optional()),
    /** The same JSON in a file (a mounted secret); read once at boot. */
    BROKER_PG_TARGETS_FILE: z.string().min(1).optional(),
    /** After redeem, how long a Postgres credential may take to open its one connection. */
    BROKER_PG_CONNECT_WINDOW_SECONDS: seconds(10, 3_600),
    /** A session opened with a Postgres credential is terminated after this long. */
    BROKER_PG_MAX_SESSION_SECONDS: seconds(3_600, 86_400),
    HTTP_BODY_LIMIT: z.string().default('16kb'),
  })
  .check(
    // `when`: named even when other variables are bad too, so one boot names every problem.
    z.refine((c) => Boolean(c.BROKER_SIGNING_KEY_FILE) !== Boolean(c.BROKER_SIGNING_KEYS_DIR), {
      path: ['BROKER_SIGNING_KEY_FILE'],
      message: 'set exactly one of BROKER_SIGNING_KEY_FILE (one key) and BROKER_SIGNING_KEYS_DIR (a key set with rotation)',
      when: () => true,
    }),
    z.refine((c) => !(c.BROKER_PG_TARGETS && c.BROKER_PG_TARGETS_FILE), {
      path: ['BROKER_PG_TARGETS_FILE'],
      message: 'set BROKER_PG_TARGETS or BROKER_PG_TARGETS_FILE, not both',
      when: () => true,
    }),
  )
  .superRefine(checkDevIssuerEnv);
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export function loadBrokerConfig(source: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return loadConfig('broker', BrokerConfigSchema, source);
}
