// Shared set-up of the notifier integration tests (not a test file itself: vitest runs *.unit.spec.ts and
// *.int.spec.ts). Real NATS and Postgres, the service built as main.ts builds it, and local fakes of
// Slack's Web API, Teams (token endpoint, Bot Connector, Bot Framework keys) and a webhook receiver.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { pino } from 'pino';
import { expect } from 'vitest';
import {
  createEvent,
  IntentApprovedV1,
  ReviewEscalatedV1,
  ReviewExpiringV1,
  ReviewRequestedV1,
  SubjectFilters,
  type CountersignEvent,
  type EventOf,
  type Intent,
} from '@countersign/contracts';
import { DEV_ISSUER } from '@countersign/platform/auth';
import { applyMigrations } from '@countersign/platform/db';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import {
  createTestDatabase,
  newWebhookSecret,
  startFakeScim,
  startFakeSlack,
  startFakeTeams,
  startFakeWebhook,
  startNatsServer,
  type FakeScim,
  type FakeScimGroup,
  type FakeScimUser,
  type FakeSlack,
  type FakeTeams,
  type FakeWebhook,
  type RunningNats,
  type TestDatabase,
} from '@countersign/testing';
import { ownerSigner, testEventKeys } from '@countersign/platform/event-keys';
import { createNotifierApp } from './bootstrap.js';
import { NotifierConfigSchema } from './config.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

export const SLACK_TOKEN = 'xoxb-fake-0123456789-token';
export const SLACK_SIGNING_SECRET = 'fake-signing-secret-5d41402abc4b2a76b9719d911017c592';
export const SLACK_CHANNEL = 'C0REVIEWS';
export const SLACK_TEAM = 'T0DEMO';
export const TEAMS_APP_ID = '6b4a1b3e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';
export const TEAMS_PASSWORD = 'fake~Bot.Password_9f8e7d6c5b4a';
export const TEAMS_CONVERSATION = '19:reviews0123@thread.tacv2';
export const TENANT = '00000000-0000-4000-8000-00000000d0e0';
/** Entra object ids of the people in the test directory. */
export const AAD = { bob: '00000000-0000-4000-8000-000000000b0b', dana: '00000000-0000-4000-8000-00000000da2a', mallory: '00000000-0000-4000-8000-0000000ba0ad' };
export const MASKED = '[masked:path:0a1b2c3d4e5f60718293]';
export const POLICY_URL = 'https://policy.countersign.test';

export interface HarnessOptions {
  name: string;
  slack?: boolean;
  teams?: boolean;
  webhook?: boolean;
  /** Start the fake Slack but not the service's Slack channel (a later restart switches it on). */
  slackOff?: boolean;
  /** users.info answers of the fake Slack: user id → e-mail. */
  slackUsers?: Record<string, string>;
  /** Use a fake SCIM server as the directory instead of the directory file (no caching). */
  scim?: { token: string; issuer: string; users: FakeScimUser[]; groups: FakeScimGroup[] };
  /** More notifier variables, on top of the harness's (e.g. routes). */
  env?: Record<string, string>;
}

export interface Harness {
  url: string;
  sql: pg.Pool;
  nc: NatsConnection;
  publisher: EventPublisher;
  ids: UuidV7Generator;
  slack: FakeSlack | undefined;
  teams: FakeTeams | undefined;
  webhook: FakeWebhook | undefined;
  scim: FakeScim | undefined;
  webhookSecret: string;
  logLines: string[];
  seen: CountersignEvent[];
  events<T extends CountersignEvent['type']>(type: T): Extract<CountersignEvent, { type: T }>[];
  reviewRequested(reviewId?: string): EventOf<typeof ReviewRequestedV1>;
  approved(requested: EventOf<typeof ReviewRequestedV1>, approvers: string[]): CountersignEvent;
  expiring(requested: EventOf<typeof ReviewRequestedV1>): CountersignEvent;
  escalated(requested: EventOf<typeof ReviewRequestedV1>, groups: string[]): CountersignEvent;
  /** Stops the service and starts it again on the same NATS and database, with the channels given switched on or off. */
  restart(on?: Partial<Record<'slack' | 'teams' | 'webhook', boolean>>): Promise<void>;
  delivery(reviewId: string, channel: string): Promise<{ status: string; external_ref: string | null; nonce: string | null; attempts: number; last_error: string | null; next_attempt_at: Date | null }>;
  close(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const ids = new UuidV7Generator();
  const webhookSecret = newWebhookSecret();
  const [nats, db, slack, teams, webhook, scim]: [RunningNats, TestDatabase, FakeSlack | undefined, FakeTeams | undefined, FakeWebhook | undefined, FakeScim | undefined] =
    await Promise.all([
      startNatsServer(),
      createTestDatabase(`cs_notifier_${opts.name}`),
      opts.slack ? startFakeSlack({ token: SLACK_TOKEN, ...(opts.slackUsers ? { users: opts.slackUsers } : {}) }) : undefined,
      opts.teams ? startFakeTeams({ appId: TEAMS_APP_ID, appPassword: TEAMS_PASSWORD }) : undefined,
      opts.webhook ? startFakeWebhook({ secret: webhookSecret }) : undefined,
      opts.scim ? startFakeScim({ token: opts.scim.token, users: opts.scim.users, groups: opts.scim.groups }) : undefined,
    ]);
  await applyMigrations(db.url);
  const dir = await mkdtemp(join(tmpdir(), `cs-notifier-${opts.name}-`));
  await Promise.all([
    writeFile(join(dir, 'slack-token'), `${SLACK_TOKEN}\n`),
    writeFile(join(dir, 'slack-signing'), SLACK_SIGNING_SECRET),
    writeFile(join(dir, 'teams-password'), `${TEAMS_PASSWORD}\n`),
    writeFile(join(dir, 'webhook-secret'), `${webhookSecret}\n`),
    writeFile(join(dir, 'scim-token'), `${opts.scim?.token ?? ''}\n`),
    writeFile(
      join(dir, 'directory.yaml'),
      `issuer: ${DEV_ISSUER}\npeople:\n` +
        `  - { subject: bob, groups: [security, approvers], slack: [{ team: ${SLACK_TEAM}, user: U0BOB }], teams: [{ tenant: ${TENANT}, aadObjectId: ${AAD.bob} }] }\n` +
        `  - { subject: dana, groups: [security, approvers], slack: [{ team: ${SLACK_TEAM}, user: U0DANA }], teams: [{ tenant: ${TENANT}, aadObjectId: ${AAD.dana} }] }\n`,
    ),
  ]);
  const sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const nc = await connectNats({ url: nats.url, name: `notifier-${opts.name}-test` });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const publisher = new EventPublisher(nc, logger, ownerSigner());
  const seen: CountersignEvent[] = [];
  for (const filter of [SubjectFilters.review, SubjectFilters.intent]) {
    const sub = nc.subscribe(filter);
    void (async () => {
      for await (const m of sub) seen.push(m.json<CountersignEvent>());
    })();
  }
  type Channels = { slack: boolean; teams: boolean; webhook: boolean };
  const configFor = (on: Channels) =>
    NotifierConfigSchema.parse({
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...(opts.scim && scim
        ? {
            NOTIFIER_DIRECTORY: 'scim',
            NOTIFIER_SCIM_URL: scim.url,
            NOTIFIER_SCIM_TOKEN_FILE: join(dir, 'scim-token'),
            NOTIFIER_DIRECTORY_ISSUER: opts.scim.issuer,
            // No caching: each click asks SCIM, so an outage is seen at once.
            NOTIFIER_DIRECTORY_CACHE_MS: '0',
            NOTIFIER_DIRECTORY_NEGATIVE_CACHE_MS: '0',
          }
        : { NOTIFIER_DIRECTORY_FILE: join(dir, 'directory.yaml') }),
      NOTIFIER_RETRY_INTERVAL_MS: '100',
      NOTIFIER_RETRY_BASE_MS: '100',
      NOTIFIER_RETRY_MAX_MS: '400',
      POLICY_PUBLIC_URL: POLICY_URL,
      ...(slack && on.slack
        ? { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN_FILE: join(dir, 'slack-token'), SLACK_SIGNING_SECRET_FILE: join(dir, 'slack-signing'), SLACK_CHANNEL_ID: SLACK_CHANNEL, SLACK_TIMEOUT_MS: '1000' }
        : {}),
      ...(teams && on.teams
        ? {
            TEAMS_APP_ID,
            TEAMS_APP_PASSWORD_FILE: join(dir, 'teams-password'),
            TEAMS_SERVICE_URL: teams.serviceUrl,
            TEAMS_CONVERSATION_ID: TEAMS_CONVERSATION,
            TEAMS_TOKEN_URL: teams.tokenUrl,
            TEAMS_OPENID_METADATA_URL: teams.openIdMetadataUrl,
            TEAMS_TIMEOUT_MS: '1000',
          }
        : {}),
      ...(webhook && on.webhook ? { WEBHOOK_URL: webhook.url, WEBHOOK_SECRET_FILE: join(dir, 'webhook-secret'), WEBHOOK_TIMEOUT_MS: '1000' } : {}),
      ...opts.env,
    });
  const startApp = async (on: Channels) => {
    const started: INestApplication = await createNotifierApp(configFor(on), logger);
    await started.listen(0, '127.0.0.1');
    return { app: started, url: await started.getUrl() };
  };
  let { app, url } = await startApp({ slack: !opts.slackOff, teams: true, webhook: true });

  const envelope = (intentId: string | null) => ({ id: ids.next(), occurredAt: new Date(), intentId, actor: { kind: 'service' as const, id: 'policy' } });

  return {
    get url() {
      return url;
    },
    async restart(on) {
      await app.close();
      ({ app, url } = await startApp({ slack: true, teams: true, webhook: true, ...on }));
    },
    sql,
    nc,
    publisher,
    ids,
    slack,
    teams,
    webhook,
    scim,
    webhookSecret,
    logLines,
    seen,
    events: <T extends CountersignEvent['type']>(type: T) => seen.filter((e) => e.type === type) as Extract<CountersignEvent, { type: T }>[],
    reviewRequested(reviewId = ids.next()) {
      const intent: Intent = {
        action: 'db.export',
        resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
        args: { query: MASKED, format: 'csv' },
        justification: 'quarterly churn report',
        requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: DEV_ISSUER, groups: ['pipelines'], owner: 'alice' },
      };
      return createEvent(ReviewRequestedV1, {
        ...envelope(ids.next()),
        data: {
          reviewId,
          intentHash: 'a'.repeat(64),
          requirement: { approverGroups: ['security'], quorum: 2, ttlSeconds: 3600, escalation: [{ afterSeconds: 1800, groups: ['sre-leads'] }] },
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          intent,
          masked: [{ path: 'args.query', reason: 'path:args.query' }],
          ruleIds: ['prod-export'],
          reasons: ['exports from prod need two security approvers'],
        },
      });
    },
    approved: (requested, approvers) =>
      createEvent(IntentApprovedV1, {
        ...envelope(requested.intentId),
        data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), grant: { audience: 'db:customers', claimTtlSeconds: 300, useTtlSeconds: 60 }, approvers },
      }),
    expiring: (requested) => createEvent(ReviewExpiringV1, { ...envelope(requested.intentId), data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), expiresAt: requested.data.expiresAt } }),
    escalated: (requested, groups) =>
      createEvent(ReviewEscalatedV1, { ...envelope(requested.intentId), data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), afterSeconds: 1800, groups } }),
    async delivery(reviewId, channel) {
      const { rows } = await sql.query('SELECT status, external_ref, nonce, attempts, last_error, next_attempt_at FROM notifier.deliveries WHERE review_id = $1 AND channel = $2', [reviewId, channel]);
      expect(rows).toHaveLength(1);
      return rows[0];
    },
    async close() {
      await app.close();
      await nc.drain();
      await sql.end();
      await Promise.all([slack?.stop(), teams?.stop(), webhook?.stop(), scim?.stop()]);
      await nats.stop();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The single element of a list, failing the test otherwise. */
export function one<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

export function found<T>(item: T | undefined): T {
  expect(item).toBeDefined();
  return item as T;
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
