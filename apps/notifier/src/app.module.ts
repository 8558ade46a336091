import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import type { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import type { EventKeyRing } from '@countersign/platform/event-keys';
import { HealthController, NatsModule, postgresPing } from '@countersign/platform/nest';
import { Clock, IdGenerator, SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import { BackgroundTasks } from './background-tasks.js';
import { ConsoleChannel } from './channels/console/console.channel.js';
import { REVIEW_CHANNELS, type ReviewChannel } from './channels/review-channel.js';
import type { Secret } from './channels/slack/secret.js';
import { SlackChannel } from './channels/slack/slack.channel.js';
import { TeamsChannel } from './channels/teams/teams.channel.js';
import type { WebhookChannel } from './channels/webhook/webhook.channel.js';
import { ChatVotes } from './chat-votes/chat-votes.js';
import type { NotifierConfig } from './config.js';
import { DatabaseModule, PRISMA } from './database/prisma.provider.js';
import { DeliveryStore } from './delivery/delivery-store.js';
import { DeliveryWorker, type DeliverySettings } from './delivery/delivery-worker.js';
import { NoticeSender } from './delivery/notice-sender.js';
import { NoticeStore } from './delivery/notice-store.js';
import { Directory } from './directory/directory.js';
import { BackfillChannels } from './notification/backfill-channels/backfill-channels.use-case.js';
import { NotifyReviewers } from './notification/notify-reviewers/notify-reviewers.use-case.js';
import { ReviewRequestedHandler } from './notification/notify-reviewers/review-requested.handler.js';
import { RecordNotice } from './review-progress/record-notice.use-case.js';
import { RecordOutcome } from './review-progress/record-outcome.use-case.js';
import { RecordVote } from './review-progress/record-vote.use-case.js';
import { ReviewEventsHandler } from './review-progress/review-events.handler.js';
import { TellRefusedVoter } from './review-progress/tell-refused-voter.use-case.js';
import { HandleSlackInteraction } from './slack-interactions/handle-interaction.use-case.js';
import { ReplayGuard } from './slack-interactions/replay-guard.js';
import { SlackInteractionsController } from './slack-interactions/slack-interactions.controller.js';
import { SlackVotes } from './slack-interactions/slack-votes.js';
import { TeamsActivityGuard } from './teams-interactions/activity-guard.js';
import { HandleTeamsActivity } from './teams-interactions/handle-teams-activity.use-case.js';
import { TeamsMessagesController } from './teams-interactions/teams-messages.controller.js';
import { TeamsVotes } from './teams-interactions/teams-votes.js';
import type { BotFrameworkTokenVerifier } from './teams-interactions/verify-bot-token.js';
import { LOGGER, NOTIFIER_SETTINGS, SLACK_SIGNING_SECRET, TEAMS_TOKEN_VERIFIER } from './tokens.js';

export const SERVICE_NAME = 'notifier';

/** What boot read from files before Nest starts (secrets, directory). */
export interface NotifierDeps {
  logger: Logger;
  directory: Directory;
  slack?: { channel: SlackChannel; signingSecret: Secret; timeoutMs: number };
  teams?: { channel: TeamsChannel; verifier: BotFrameworkTokenVerifier; timeoutMs: number };
  webhook?: { channel: WebhookChannel; timeoutMs: number };
  /** Tests pin the time (e.g. Slack's 5-minute window). */
  clock?: Clock;
}

function deliverySettings(config: NotifierConfig, deps: NotifierDeps): DeliverySettings {
  // The longest outside call of one step: a Teams step may first fetch a token.
  const callMs = Math.max(deps.slack?.timeoutMs ?? 1_000, 2 * (deps.teams?.timeoutMs ?? 0), deps.webhook?.timeoutMs ?? 0);
  return {
    intervalMs: config.NOTIFIER_RETRY_INTERVAL_MS,
    baseMs: config.NOTIFIER_RETRY_BASE_MS,
    maxMs: config.NOTIFIER_RETRY_MAX_MS,
    // Post, announce and update, each bounded by the channel's timeout, plus slack for the database.
    leaseMs: 3 * callMs + 5_000,
    batchSize: 16,
  };
}

function teamsModule(deps: NotifierDeps): { providers: Provider[]; controllers: Type[] } {
  if (!deps.teams) return { providers: [], controllers: [] };
  return {
    providers: [
      { provide: TeamsChannel, useValue: deps.teams.channel },
      { provide: TEAMS_TOKEN_VERIFIER, useValue: deps.teams.verifier },
      TeamsActivityGuard,
      TeamsVotes,
      HandleTeamsActivity,
    ],
    controllers: [TeamsMessagesController],
  };
}

@Module({})
export class AppModule {
  static forRoot(config: NotifierConfig, deps: NotifierDeps, eventKeys: EventKeyRing): DynamicModule {
    const channels: ReviewChannel[] = [
      new ConsoleChannel(),
      ...(deps.slack ? [deps.slack.channel] : []),
      ...(deps.teams ? [deps.teams.channel] : []),
      ...(deps.webhook ? [deps.webhook.channel] : []),
    ];
    const teams = teamsModule(deps);
    const slackProviders: Provider[] = deps.slack
      ? [
          { provide: SlackChannel, useValue: deps.slack.channel },
          { provide: SLACK_SIGNING_SECRET, useValue: deps.slack.signingSecret },
          ReplayGuard,
          SlackVotes,
          HandleSlackInteraction,
        ]
      : [];
    const chatControllers: Type[] = deps.slack ? [SlackInteractionsController, ...teams.controllers] : teams.controllers;
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: SERVICE_NAME, logger: deps.logger, eventKeys }),
        DatabaseModule.forRoot(config.DATABASE_URL),
      ],
      controllers: [HealthController, ReviewRequestedHandler, ReviewEventsHandler, ...chatControllers],
      providers: [
        postgresPing(PRISMA, (prisma: PrismaClient) => prisma.$queryRaw`SELECT 1`),
        { provide: Clock, useValue: deps.clock ?? new SystemClock() },
        { provide: IdGenerator, useClass: UuidV7Generator },
        { provide: LOGGER, useValue: deps.logger },
        { provide: Directory, useValue: deps.directory },
        { provide: REVIEW_CHANNELS, useValue: channels },
        { provide: NOTIFIER_SETTINGS, useValue: deliverySettings(config, deps) },
        BackgroundTasks,
        ChatVotes,
        DeliveryStore,
        NoticeStore,
        NoticeSender,
        DeliveryWorker,
        NotifyReviewers,
        BackfillChannels,
        RecordNotice,
        RecordOutcome,
        RecordVote,
        TellRefusedVoter,
        ...slackProviders,
        ...teams.providers,
      ],
    };
  }
}
