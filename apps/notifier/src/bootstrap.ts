import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiErrorFilter, JetStreamTransport } from '@countersign/platform/nest';
import { SystemClock, type Clock } from '@countersign/platform/runtime';
import { AppModule, SERVICE_NAME, type NotifierDeps } from './app.module.js';
import { Secret } from './channels/slack/secret.js';
import { createSlackClient } from './channels/slack/slack-client.js';
import { SlackChannel } from './channels/slack/slack.channel.js';
import { TeamsConnector } from './channels/teams/teams-connector.js';
import { TeamsChannel } from './channels/teams/teams.channel.js';
import { WebhookChannel } from './channels/webhook/webhook.channel.js';
import { WebhookSigner } from './channels/webhook/webhook-signer.js';
import { directoryConfigOf, slackConfigOf, teamsConfigOf, webhookConfigOf, type NotifierConfig } from './config.js';
import { EmptyDirectory, type Directory } from './directory/directory.js';
import { FileDirectory } from './directory/file-directory.js';
import { ScimDirectory } from './directory/scim-directory.js';
import { SlackWebApiEmails } from './directory/slack-emails.js';
import { BotFrameworkTokenVerifier } from './teams-interactions/verify-bot-token.js';

export interface NotifierAppOptions {
  clock?: Clock;
}

async function loadSlack(config: NotifierConfig, logger: Logger): Promise<NotifierDeps['slack']> {
  const slack = slackConfigOf(config);
  if (!slack) {
    logger.info('Slack is off (SLACK_BOT_TOKEN_FILE, SLACK_SIGNING_SECRET_FILE and SLACK_CHANNEL_ID not set)');
    return undefined;
  }
  const [token, signingSecret] = await Promise.all([
    Secret.fromFile('SLACK_BOT_TOKEN_FILE', slack.tokenFile),
    Secret.fromFile('SLACK_SIGNING_SECRET_FILE', slack.signingSecretFile),
  ]);
  const client = createSlackClient({ apiUrl: slack.apiUrl, token, timeoutMs: slack.timeoutMs }, logger);
  logger.info({ apiUrl: slack.apiUrl, channel: slack.channelId, routes: slack.routes }, 'Slack channel on');
  return { channel: new SlackChannel(client, slack.channelId, slack.routes, config.CONSOLE_PUBLIC_URL), signingSecret, timeoutMs: slack.timeoutMs };
}

async function loadTeams(config: NotifierConfig, logger: Logger): Promise<NotifierDeps['teams']> {
  const teams = teamsConfigOf(config);
  if (!teams) {
    logger.info('Teams is off (TEAMS_APP_ID, TEAMS_APP_PASSWORD_FILE, TEAMS_SERVICE_URL and TEAMS_CONVERSATION_ID not set)');
    return undefined;
  }
  // Bot passwords (client secrets) may hold any printable character but spaces.
  const password = await Secret.fromFile('TEAMS_APP_PASSWORD_FILE', teams.passwordFile);
  const connector = new TeamsConnector({ appId: teams.appId, password, tokenUrl: teams.tokenUrl, serviceUrl: teams.serviceUrl, timeoutMs: teams.timeoutMs });
  const verifier = new BotFrameworkTokenVerifier({ openIdMetadataUrl: teams.openIdMetadataUrl, issuer: teams.tokenIssuer, appId: teams.appId, timeoutMs: teams.timeoutMs });
  logger.info({ serviceUrl: teams.serviceUrl, conversation: teams.conversationId, routes: teams.routes, appId: teams.appId }, 'Teams channel on');
  return { channel: new TeamsChannel(connector, teams.conversationId, teams.routes, config.CONSOLE_PUBLIC_URL), verifier, timeoutMs: teams.timeoutMs };
}

async function loadWebhook(config: NotifierConfig, logger: Logger, clock: Clock): Promise<NotifierDeps['webhook']> {
  const webhook = webhookConfigOf(config);
  if (!webhook) {
    logger.info('Webhook is off (WEBHOOK_URL and WEBHOOK_SECRET_FILE not set)');
    return undefined;
  }
  const signer = await WebhookSigner.fromFile('WEBHOOK_SECRET_FILE', webhook.secretFile);
  // The URL may carry a receiver's token in its query: only its origin is logged.
  logger.info({ origin: new URL(webhook.url).origin, voteBase: webhook.policyPublicUrl }, 'Webhook channel on');
  const channel = new WebhookChannel(signer, { url: webhook.url, timeoutMs: webhook.timeoutMs, policyPublicUrl: webhook.policyPublicUrl }, clock);
  return { channel, timeoutMs: webhook.timeoutMs };
}

async function loadDirectory(config: NotifierConfig, logger: Logger): Promise<Directory> {
  const d = directoryConfigOf(config);
  if (d.kind === 'file') return d.file ? FileDirectory.load(d.file) : new EmptyDirectory();
  const token = await Secret.fromFile('NOTIFIER_SCIM_TOKEN_FILE', d.tokenFile);
  // Slack accounts are found by e-mail (users.info, scope users:read.email) with the bot's own client settings.
  const slack = slackConfigOf(config);
  const slackEmails = slack
    ? new SlackWebApiEmails(createSlackClient({ apiUrl: slack.apiUrl, token: await Secret.fromFile('SLACK_BOT_TOKEN_FILE', slack.tokenFile), timeoutMs: slack.timeoutMs }, logger))
    : undefined;
  // The URL's origin and path only: the token is in its file, never logged.
  const url = new URL(d.url);
  logger.info({ scim: `${url.origin}${url.pathname}`, issuer: d.issuer, subjectAttribute: d.subjectAttribute, cacheMs: d.positiveTtlMs, negativeCacheMs: d.negativeTtlMs }, 'SCIM directory on');
  return new ScimDirectory(
    { baseUrl: d.url, token, issuer: d.issuer, subjectAttribute: d.subjectAttribute, timeoutMs: d.timeoutMs, positiveTtlMs: d.positiveTtlMs, negativeTtlMs: d.negativeTtlMs, ...(slackEmails ? { slackEmails } : {}) },
    logger,
  );
}

/** Reads what the config names (secret files, the directory) once, before Nest starts; a failure names the variable. */
async function loadDeps(config: NotifierConfig, logger: Logger, opts: NotifierAppOptions): Promise<NotifierDeps> {
  const directory = await loadDirectory(config, logger);
  const clock = opts.clock ?? new SystemClock();
  const [slack, teams, webhook] = await Promise.all([loadSlack(config, logger), loadTeams(config, logger), loadWebhook(config, logger, clock)]);
  return { logger, directory, clock, ...(slack ? { slack } : {}), ...(teams ? { teams } : {}), ...(webhook ? { webhook } : {}) };
}

/** Builds the whole service (HTTP + JetStream consumer) without listening; main.ts and tests share it. */
export async function createNotifierApp(config: NotifierConfig, logger: Logger, opts: NotifierAppOptions = {}): Promise<INestApplication> {
  const deps = await loadDeps(config, logger, opts);
  // NOTIFIER_EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE: notifier signs chat votes, verifies review events.
  const eventKeys = EventKeyRing.fromEnv(SERVICE_NAME);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, deps, eventKeys), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  // Bot Framework activities carry conversation, channel and entity data besides the click: 64 KB.
  app.useBodyParser('json', { limit: '64kb' });
  // Slack signs the exact bytes it sends: its form bodies stay raw Buffers until the signature is
  // checked (only the interactions route takes forms). Block action payloads carry the whole message.
  app.useBodyParser('raw', { type: 'application/x-www-form-urlencoded', limit: '256kb' });
  app.useGlobalFilters(new ApiErrorFilter(logger));
  app.enableShutdownHooks();
  app.connectMicroservice({
    // Pull several messages per request (still handled one at a time, in order): saves a round trip per event.
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: SERVICE_NAME, serviceName: SERVICE_NAME, logger, batchSize: 32, eventKeys }),
  });
  await app.startAllMicroservices();
  return app;
}
