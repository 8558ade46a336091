import { z } from 'zod';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

/** An empty value counts as unset: compose files and shells often export `VAR=` for "off". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
/** Only http(s): a webhook or connector URL with another scheme is a typo, not a feature. */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/** Slack is on only when all of these are set; a partial set is a mistake, not a way to turn it off. */
export const SLACK_VARIABLES = ['SLACK_BOT_TOKEN_FILE', 'SLACK_SIGNING_SECRET_FILE', 'SLACK_CHANNEL_ID'] as const;
/** Teams (Bot Framework) likewise; its URLs have defaults and do not turn it on. */
export const TEAMS_VARIABLES = ['TEAMS_APP_ID', 'TEAMS_APP_PASSWORD_FILE', 'TEAMS_SERVICE_URL', 'TEAMS_CONVERSATION_ID'] as const;
export const WEBHOOK_VARIABLES = ['WEBHOOK_URL', 'WEBHOOK_SECRET_FILE'] as const;
/** The SCIM directory (NOTIFIER_DIRECTORY=scim) needs all of these. */
export const SCIM_VARIABLES = ['NOTIFIER_SCIM_URL', 'NOTIFIER_SCIM_TOKEN_FILE', 'NOTIFIER_DIRECTORY_ISSUER'] as const;

const CHANNEL_GROUPS = [
  { name: 'Slack', variables: SLACK_VARIABLES },
  { name: 'Teams', variables: TEAMS_VARIABLES },
  { name: 'the webhook', variables: WEBHOOK_VARIABLES },
] as const;

const SlackChannelId = z.string().regex(/^[A-Z0-9]{2,64}$/, 'a Slack channel id such as C0123ABCD');
const TeamsConversationId = z.string().min(1).max(512).regex(/^\S+$/, 'a conversation id without spaces');

/** `{"<approver group>": "<destination>"}` as JSON; unset or empty: every review goes to the default. */
const groupRoutes = (destination: z.ZodString) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): Record<string, string> => {
      if (raw === undefined || raw.trim() === '') return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON: expected {"<approver group>": "<destination>", ...}' });
        return z.NEVER;
      }
      const routes = z.record(z.string().min(1).max(128), destination).safeParse(parsed);
      if (!routes.success) {
        ctx.addIssue({ code: 'custom', message: routes.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      return routes.data;
    });

export const NotifierConfigSchema = z
  .object({
    NATS_URL: env.url(DEFAULT_NATS_URL),
    DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
    PORT: env.port(3003),
    LOG_LEVEL: env.logLevel(),
    /** Where chat users are mapped to directory identities: a YAML file (demo) or an IdP over SCIM 2.0. */
    NOTIFIER_DIRECTORY: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['file', 'scim']).default('file')),
    /** Maps chat users to directory identities (subject, issuer, groups); required with Slack or Teams and the file directory. */
    NOTIFIER_DIRECTORY_FILE: optional(z.string().min(1)),
    /** SCIM 2.0 base URL, e.g. https://contoso.okta.com/scim/v2 (without /Users). */
    NOTIFIER_SCIM_URL: optional(httpUrl()),
    /** File holding the SCIM bearer token. */
    NOTIFIER_SCIM_TOKEN_FILE: optional(z.string().min(1)),
    /** The OIDC issuer whose subjects the SCIM subjects are (so a chat vote and an API vote are one approver). */
    NOTIFIER_DIRECTORY_ISSUER: optional(z.string().min(1).max(512)),
    /** The SCIM user attribute taken as the subject. */
    NOTIFIER_SCIM_SUBJECT_ATTRIBUTE: z.string().regex(/^[A-Za-z][A-Za-z0-9_$-]{0,63}$/, 'a top-level SCIM attribute such as userName').default('userName'),
    /** Per SCIM request; a Slack click waits for users.info and up to two SCIM requests within Slack's 3 s. */
    NOTIFIER_SCIM_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(1_000),
    /** How long a found person / an unmapped account is remembered (0: not at all). */
    NOTIFIER_DIRECTORY_CACHE_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
    NOTIFIER_DIRECTORY_NEGATIVE_CACHE_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
    /** How often the delivery worker looks for due deliveries (posts, retries, message updates, notices). */
    NOTIFIER_RETRY_INTERVAL_MS: z.coerce.number().int().min(20).default(2_000),
    /** First retry delay of a failed delivery; doubles per attempt up to the maximum. */
    NOTIFIER_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1_000),
    NOTIFIER_RETRY_MAX_MS: z.coerce.number().int().min(10).default(300_000),
    /** Where reviewers vote over the API (the policy service); webhook payloads link there. */
    POLICY_PUBLIC_URL: httpUrl().default('http://127.0.0.1:3002'),
    /** The review console; chat messages of step-up reviews link to its review page instead of voting. */
    CONSOLE_PUBLIC_URL: httpUrl().default('http://localhost:3006'),
    SLACK_API_URL: env.url('https://slack.com/api/'),
    SLACK_BOT_TOKEN_FILE: optional(z.string().min(1)),
    SLACK_SIGNING_SECRET_FILE: optional(z.string().min(1)),
    SLACK_CHANNEL_ID: optional(SlackChannelId),
    /** Reviews of these approver groups go to their own channel instead of SLACK_CHANNEL_ID. */
    SLACK_CHANNEL_ROUTES: groupRoutes(SlackChannelId),
    /** Per Slack API call; Slack wants interactivity answered within 3 s, so keep it well under. */
    SLACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_500),
    /** The bot's Microsoft App ID: client id of its token requests and the audience of inbound tokens. */
    TEAMS_APP_ID: optional(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a Microsoft App ID (a GUID)')),
    TEAMS_APP_PASSWORD_FILE: optional(z.string().min(1)),
    /** The Bot Connector of the conversation, e.g. https://smba.trafficmanager.net/emea/ (from an activity's serviceUrl). */
    TEAMS_SERVICE_URL: optional(httpUrl()),
    /** The Teams conversation (a channel: `19:…@thread.tacv2`) where reviews are posted. */
    TEAMS_CONVERSATION_ID: optional(TeamsConversationId),
    /** Reviews of these approver groups go to their own conversation instead of TEAMS_CONVERSATION_ID. */
    TEAMS_CONVERSATION_ROUTES: groupRoutes(TeamsConversationId),
    TEAMS_TOKEN_URL: httpUrl().default('https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token'),
    TEAMS_OPENID_METADATA_URL: httpUrl().default('https://login.botframework.com/v1/.well-known/openidconfiguration'),
    /** Issuer of the tokens the Bot Framework sends with inbound activities. */
    TEAMS_TOKEN_ISSUER: z.string().min(1).default('https://api.botframework.com'),
    /** Per outbound Teams call (token or Bot Connector). */
    TEAMS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
    WEBHOOK_URL: optional(httpUrl()),
    /** A Standard Webhooks secret, `whsec_<base64 of 24–64 random bytes>`. */
    WEBHOOK_SECRET_FILE: optional(z.string().min(1)),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
  })
  .superRefine((c, ctx) => {
    for (const group of CHANNEL_GROUPS) {
      const set = group.variables.filter((v) => c[v] !== undefined);
      if (set.length === 0 || set.length === group.variables.length) continue;
      for (const v of group.variables.filter((x) => c[x] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [v], message: `required when ${set.join(', ')} is set (${group.name} needs all of ${group.variables.join(', ')})` });
      }
    }
    if (c.NOTIFIER_DIRECTORY === 'scim') {
      for (const v of SCIM_VARIABLES.filter((x) => c[x] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [v], message: `required with NOTIFIER_DIRECTORY=scim (it needs all of ${SCIM_VARIABLES.join(', ')})` });
      }
    }
    for (const [routes, vars, name] of [['SLACK_CHANNEL_ROUTES', SLACK_VARIABLES, 'Slack'], ['TEAMS_CONVERSATION_ROUTES', TEAMS_VARIABLES, 'Teams']] as const) {
      if (Object.keys(c[routes]).length > 0 && !vars.every((v) => c[v] !== undefined)) {
        ctx.addIssue({ code: 'custom', path: [routes], message: `set while ${name} is off (it needs all of ${vars.join(', ')})` });
      }
    }
    const chats = [SLACK_VARIABLES, TEAMS_VARIABLES].filter((vars) => vars.every((v) => c[v] !== undefined));
    if (chats.length > 0 && c.NOTIFIER_DIRECTORY === 'file' && c.NOTIFIER_DIRECTORY_FILE === undefined) {
      const which = chats.map((vars) => (vars === SLACK_VARIABLES ? 'Slack' : 'Teams')).join(' and ');
      ctx.addIssue({ code: 'custom', path: ['NOTIFIER_DIRECTORY_FILE'], message: `required with ${which}: without it no chat user could vote` });
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
  routes: Record<string, string>;
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
    routes: c.SLACK_CHANNEL_ROUTES,
    timeoutMs: c.SLACK_TIMEOUT_MS,
  };
}

export interface TeamsConfig {
  appId: string;
  passwordFile: string;
  serviceUrl: string;
  conversationId: string;
  routes: Record<string, string>;
  tokenUrl: string;
  openIdMetadataUrl: string;
  tokenIssuer: string;
  timeoutMs: number;
}

/** The Teams part of the config, or undefined when Teams is off. */
export function teamsConfigOf(c: NotifierConfig): TeamsConfig | undefined {
  if (!c.TEAMS_APP_ID || !c.TEAMS_APP_PASSWORD_FILE || !c.TEAMS_SERVICE_URL || !c.TEAMS_CONVERSATION_ID) return undefined;
  return {
    appId: c.TEAMS_APP_ID,
    passwordFile: c.TEAMS_APP_PASSWORD_FILE,
    serviceUrl: c.TEAMS_SERVICE_URL,
    conversationId: c.TEAMS_CONVERSATION_ID,
    routes: c.TEAMS_CONVERSATION_ROUTES,
    tokenUrl: c.TEAMS_TOKEN_URL,
    openIdMetadataUrl: c.TEAMS_OPENID_METADATA_URL,
    tokenIssuer: c.TEAMS_TOKEN_ISSUER,
    timeoutMs: c.TEAMS_TIMEOUT_MS,
  };
}

export interface WebhookConfig {
  url: string;
  secretFile: string;
  timeoutMs: number;
  policyPublicUrl: string;
}

/** The webhook part of the config, or undefined when the webhook is off. */
export function webhookConfigOf(c: NotifierConfig): WebhookConfig | undefined {
  if (!c.WEBHOOK_URL || !c.WEBHOOK_SECRET_FILE) return undefined;
  return { url: c.WEBHOOK_URL, secretFile: c.WEBHOOK_SECRET_FILE, timeoutMs: c.WEBHOOK_TIMEOUT_MS, policyPublicUrl: c.POLICY_PUBLIC_URL };
}

export type DirectoryConfig =
  | { kind: 'file'; file: string | undefined }
  | {
      kind: 'scim';
      url: string;
      tokenFile: string;
      issuer: string;
      subjectAttribute: string;
      timeoutMs: number;
      positiveTtlMs: number;
      negativeTtlMs: number;
    };

/** Which directory maps chat users: the file (unset file: nobody is mapped) or SCIM. */
export function directoryConfigOf(c: NotifierConfig): DirectoryConfig {
  if (c.NOTIFIER_DIRECTORY === 'file') return { kind: 'file', file: c.NOTIFIER_DIRECTORY_FILE };
  if (!c.NOTIFIER_SCIM_URL || !c.NOTIFIER_SCIM_TOKEN_FILE || !c.NOTIFIER_DIRECTORY_ISSUER) throw new Error('NOTIFIER_DIRECTORY=scim without its variables');
  return {
    kind: 'scim',
    url: c.NOTIFIER_SCIM_URL,
    tokenFile: c.NOTIFIER_SCIM_TOKEN_FILE,
    issuer: c.NOTIFIER_DIRECTORY_ISSUER,
    subjectAttribute: c.NOTIFIER_SCIM_SUBJECT_ATTRIBUTE,
    timeoutMs: c.NOTIFIER_SCIM_TIMEOUT_MS,
    positiveTtlMs: c.NOTIFIER_DIRECTORY_CACHE_MS,
    negativeTtlMs: c.NOTIFIER_DIRECTORY_NEGATIVE_CACHE_MS,
  };
}

export function loadNotifierConfig(source: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return loadConfig('notifier', NotifierConfigSchema, source);
}
