import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { ApiErrorFilter, JetStreamTransport } from '@countersign/platform/nest';
import type { Clock } from '@countersign/platform/runtime';
import { AppModule, SERVICE_NAME, type NotifierDeps } from './app.module.js';
import { Secret } from './channels/slack/secret.js';
import { createSlackClient } from './channels/slack/slack-client.js';
import { SlackChannel } from './channels/slack/slack.channel.js';
import { slackConfigOf, type NotifierConfig } from './config.js';
import { EmptyDirectory, type Directory } from './directory/directory.js';
import { FileDirectory } from './directory/file-directory.js';

export interface NotifierAppOptions {
  clock?: Clock;
}

/** Reads what the config names (secret files, the directory) once, before Nest starts; a failure names the variable. */
async function loadDeps(config: NotifierConfig, logger: Logger, opts: NotifierAppOptions): Promise<NotifierDeps> {
  const directory: Directory = config.NOTIFIER_DIRECTORY_FILE ? await FileDirectory.load(config.NOTIFIER_DIRECTORY_FILE) : new EmptyDirectory();
  const deps: NotifierDeps = { logger, directory, ...(opts.clock ? { clock: opts.clock } : {}) };
  const slack = slackConfigOf(config);
  if (!slack) {
    logger.info('Slack is off (SLACK_BOT_TOKEN_FILE, SLACK_SIGNING_SECRET_FILE and SLACK_CHANNEL_ID not set)');
    return deps;
  }
  const [token, signingSecret] = await Promise.all([
    Secret.fromFile('SLACK_BOT_TOKEN_FILE', slack.tokenFile),
    Secret.fromFile('SLACK_SIGNING_SECRET_FILE', slack.signingSecretFile),
  ]);
  const client = createSlackClient({ apiUrl: slack.apiUrl, token, timeoutMs: slack.timeoutMs }, logger);
  logger.info({ apiUrl: slack.apiUrl, channel: slack.channelId }, 'Slack channel on');
  return { ...deps, slack: { channel: new SlackChannel(client, slack.channelId), signingSecret, timeoutMs: slack.timeoutMs } };
}

/** Builds the whole service (HTTP + JetStream consumer) without listening; main.ts and tests share it. */
export async function createNotifierApp(config: NotifierConfig, logger: Logger, opts: NotifierAppOptions = {}): Promise<INestApplication> {
  const deps = await loadDeps(config, logger, opts);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, deps), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  app.useBodyParser('json', { limit: '16kb' });
  // Slack signs the exact bytes it sends: its form bodies stay raw Buffers until the signature is
  // checked (only the interactions route takes forms). Block action payloads carry the whole message.
  app.useBodyParser('raw', { type: 'application/x-www-form-urlencoded', limit: '256kb' });
  app.useGlobalFilters(new ApiErrorFilter(logger));
  app.enableShutdownHooks();
  app.connectMicroservice({
    // Pull several messages per request (still handled one at a time, in order): saves a round trip per event.
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: SERVICE_NAME, serviceName: SERVICE_NAME, logger, batchSize: 32 }),
  });
  await app.startAllMicroservices();
  return app;
}
