import { z } from 'zod';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

/** An empty value counts as unset: compose files and shells often export `VAR=` for "off". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Slack is on only when all of these are set; a partial set is a mistake, not a way to turn it off. */
export const SLACK_VARIABLES = ['SLACK_BOT_TOKEN_FILE', 'SLACK_SIGNING_SECRET_FILE', 'SLACK_CHANNEL_ID'] as const;

export const NotifierConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3003),
    LOG_LEVEL: env.logLevel(),
    /** Maps chat users to directory identities (subject, issuer, groups); required with Slack. */
    NOTIFIER_DIRECTORY_FILE: optional(z.string().min(1)),
    /** How often the delivery worker looks for due deliveries (posts, retries, message updates). */
    NOTIFIER_RETRY_INTERVAL_MS: z.coerce.number().int().min(20).default(2_000),
    /** First retry delay of a failed delivery; doubles per attempt up to the maximum. */
    NOTIFIER_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1_000),
    NOTIFIER_RETRY_MAX_MS: z.coerce.number().int().min(10).default(300_000),
    SLACK_API_URL: env.url('https://slack.com/api/'),
    SLACK_BOT_TOKEN_FILE: optional(z.string().min(1)),
    SLACK_SIGNING_SECRET_FILE: optional(z.string().min(1)),
    SLACK_CHANNEL_ID: optional(z.string().regex(/^[A-Z0-9]{2,64}$/, 'a Slack channel id such as C0123ABCD')),
    /** Per Slack API call; Slack wants interactivity answered within 3 s, so keep it well under. */
    SLACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_500),
  })
  .superRefine((c, ctx) => {
    const set = SLACK_VARIABLES.filter((v) => c[v] !== undefined);
    if (set.length > 0 && set.length < SLACK_VARIABLES.length) {
      for (const v of SLACK_VARIABLES.filter((x) => c[x] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [v], message: `required when ${set.join(', ')} is set (Slack needs all of ${SLACK_VARIABLES.join(', ')})` });
      }
    }
    if (set.length === SLACK_VARIABLES.length && c.NOTIFIER_DIRECTORY_FILE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['NOTIFIER_DIRECTORY_FILE'], message: 'required with Slack: without it no Slack user could vote' });
    }
    if (c.NOTIFIER_RETRY_MAX_MS < c.NOTIFIER_RETRY_BASE_MS) {
      ctx.addIssue({ code: 'custom', path: ['NOTIFIER_RETRY_MAX_MS'], message: 'must be at least NOTIFIER_RETRY_BASE_MS' });
    }
  });
export type NotifierConfig = z.infer<typeof NotifierConfigSchema>;

export interface SlackConfig {
  apiUrl: string;
  tokenFile: string;
  signingSecretFile: string;
  channelId: string;
  timeoutMs: number;
}

/** The Slack part of the config, or undefined when Slack is off. */
export function slackConfigOf(c: NotifierConfig): SlackConfig | undefined {
  if (!c.SLACK_BOT_TOKEN_FILE || !c.SLACK_SIGNING_SECRET_FILE || !c.SLACK_CHANNEL_ID) return undefined;
  return {
    apiUrl: c.SLACK_API_URL,
    tokenFile: c.SLACK_BOT_TOKEN_FILE,
    signingSecretFile: c.SLACK_SIGNING_SECRET_FILE,
    channelId: c.SLACK_CHANNEL_ID,
    timeoutMs: c.SLACK_TIMEOUT_MS,
  };
}

export function loadNotifierConfig(source: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return loadConfig('notifier', NotifierConfigSchema, source);
}
