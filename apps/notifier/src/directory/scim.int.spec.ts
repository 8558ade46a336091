// The SCIM directory end to end: real NATS + Postgres, the service as main.ts builds it with
// NOTIFIER_DIRECTORY=scim, a fake Slack Web API (users.info gives the e-mail) and a fake SCIM server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, ReviewRequestedV1, SubjectFilters, type CountersignEvent, type Intent } from '@countersign/contracts';
import { DEV_ISSUER } from '@countersign/platform/auth';
import { applyMigrations } from '@countersign/platform/db';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import {
  createTestDatabase,
  expectEventually,
  signSlackRequest,
  slackInteractionBody,
  startFakeScim,
  startFakeSlack,
  startNatsServer,
  type FakeScim,
  type FakeSlack,
  type RunningNats,
  type SlackCall,
  type TestDatabase,
} from '@countersign/testing';
import { createNotifierApp } from '../bootstrap.js';
import { NotifierConfigSchema } from '../config.js';
import { DIRECTORY_UNAVAILABLE_TEXT } from './directory.js';

const SLACK_TOKEN = 'xoxb-fake-0123456789-token';
const SIGNING_SECRET = 'fake-signing-secret-5d41402abc4b2a76b9719d911017c592';
const SCIM_TOKEN = 'scim-bearer-9b2f7e0c41d8a6';
const CHANNEL = 'C0REVIEWS';
const TEAM = 'T0DEMO';
const ISSUER = 'https://idp.countersign.test';
const ids = new UuidV7Generator();

type Block = { type: string; elements?: Array<{ value?: string }> };
const buttonValue = (call: SlackCall | undefined) => ((call?.args['blocks'] ?? []) as Block[]).find((b) => b.type === 'actions')?.elements?.[0]?.value ?? '';

describe('notifier with the SCIM directory (real NATS + Postgres, fake Slack + fake SCIM)', () => {
  let nats: RunningNats;
  let db: TestDatabase;
  let slack: FakeSlack;
  let scim: FakeScim;
  let nc: NatsConnection;
  let sql: pg.Pool;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let publisher: EventPublisher;
  const seen: CountersignEvent[] = [];
  const logLines: string[] = [];
  const events = <T extends CountersignEvent['type']>(type: T, reviewId: string) =>
    seen.filter((e) => e.type === type && (e.data as { reviewId?: string }).reviewId === reviewId) as Extract<CountersignEvent, { type: T }>[];

  beforeAll(async () => {
    [nats, db, slack, scim] = await Promise.all([
      startNatsServer(),
      createTestDatabase('cs_notifier_scim'),
      startFakeSlack({ token: SLACK_TOKEN, users: { U0BOB: 'bob@countersign.test', U0MALLORY: 'mallory@elsewhere.test' } }),
      startFakeScim({
        token: SCIM_TOKEN,
        users: [{ id: 'u-bob', userName: 'bob', emails: ['bob@countersign.test'] }],
        groups: [
          { id: 'g-sec', displayName: 'security', members: ['u-bob'] },
          { id: 'g-app', displayName: 'approvers', members: ['u-bob'] },
        ],
      }),
    ]);
    await applyMigrations(db.url);
    dir = await mkdtemp(join(tmpdir(), 'cs-notifier-scim-'));
    await Promise.all([
      writeFile(join(dir, 'slack-token'), `${SLACK_TOKEN}\n`),
      writeFile(join(dir, 'slack-signing'), SIGNING_SECRET),
      writeFile(join(dir, 'scim-token'), `${SCIM_TOKEN}\n`),
    ]);
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
    nc = await connectNats({ url: nats.url, name: 'notifier-scim-test' });
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    publisher = new EventPublisher(nc, logger);
    for (const filter of [SubjectFilters.review, SubjectFilters.intent]) {
      const sub = nc.subscribe(filter);
      void (async () => {
        for await (const m of sub) seen.push(m.json<CountersignEvent>());
      })();
    }
    const config = NotifierConfigSchema.parse({
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'debug',
      NOTIFIER_DIRECTORY: 'scim',
      NOTIFIER_SCIM_URL: scim.url,
      NOTIFIER_SCIM_TOKEN_FILE: join(dir, 'scim-token'),
      NOTIFIER_DIRECTORY_ISSUER: ISSUER,
      // No caching here: each click asks SCIM, so the outage below is seen at once.
      NOTIFIER_DIRECTORY_CACHE_MS: '0',
      NOTIFIER_DIRECTORY_NEGATIVE_CACHE_MS: '0',
      NOTIFIER_RETRY_INTERVAL_MS: '100',
      NOTIFIER_RETRY_BASE_MS: '100',
      NOTIFIER_RETRY_MAX_MS: '400',
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_TOKEN_FILE: join(dir, 'slack-token'),
      SLACK_SIGNING_SECRET_FILE: join(dir, 'slack-signing'),
      SLACK_CHANNEL_ID: CHANNEL,
      SLACK_TIMEOUT_MS: '1000',
    });
    app = await createNotifierApp(config, logger);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await nc?.drain();
    await sql?.end();
    await Promise.all([slack?.stop(), scim?.stop()]);
    await nats?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Publishes a review request and waits until its Slack message is delivered; returns the button value. */
  async function posted(): Promise<{ reviewId: string; value: string }> {
    const intent: Intent = {
      action: 'db.export',
      resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
      args: { format: 'csv' },
      justification: 'quarterly churn report',
      requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: DEV_ISSUER, groups: ['pipelines'], owner: 'alice' },
    };
    const reviewId = ids.next();
    await publisher.publish(
      createEvent(ReviewRequestedV1, {
        id: ids.next(),
        occurredAt: new Date(),
        intentId: ids.next(),
        actor: { kind: 'service', id: 'policy' },
        data: {
          reviewId,
          intentHash: 'a'.repeat(64),
          requirement: { approverGroups: ['security'], quorum: 2, ttlSeconds: 3600, escalation: [] },
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          intent,
          masked: [],
          ruleIds: ['prod-export'],
          reasons: ['exports from prod need two security approvers'],
        },
      }),
    );
    const post = await expectEventually(() => {
      const p = slack.callsTo('chat.postMessage').find((c) => c.ok && buttonValue(c).startsWith(reviewId));
      expect(p).toBeDefined();
      return p;
    });
    await expectEventually(async () => {
      const { rows } = await sql.query("SELECT status FROM notifier.deliveries WHERE review_id = $1 AND channel = 'slack'", [reviewId]);
      expect(rows).toEqual([{ status: 'delivered' }]);
    });
    return { reviewId, value: buttonValue(post) };
  }

  async function click(user: string, value: string): Promise<number> {
    const body = slackInteractionBody({
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: user, team_id: TEAM },
      trigger_id: `${Date.now()}.${user}.trigger`,
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: '1700000000.000001' },
      actions: [{ action_id: 'countersign_approve', block_id: 'countersign_vote', value, type: 'button' }],
    });
    const res = await fetch(`${url}/v1/slack/interactions`, { method: 'POST', headers: signSlackRequest(SIGNING_SECRET, body), body });
    await res.text();
    return res.status;
  }

  const noteTo = (user: string, text: string) => slack.callsTo('chat.postEphemeral').filter((c) => c.args['user'] === user && String(c.args['text']).includes(text));

  it('a Slack click by a user found in SCIM becomes review.vote_cast with the SCIM subject, issuer and groups', async () => {
    const { reviewId, value } = await posted();
    expect(await click('U0BOB', value)).toBe(200);
    const cast = await expectEventually(() => {
      const c = events('review.vote_cast', reviewId);
      expect(c).toHaveLength(1);
      return c[0];
    });
    expect(cast?.data).toMatchObject({
      decision: 'approve',
      channel: 'slack',
      voter: { subject: 'bob', issuer: ISSUER, groups: ['security', 'approvers'], authMethod: 'slack-signature+directory', channelUser: `${TEAM}/U0BOB` },
    });
    expect(cast?.actor).toEqual({ kind: 'user', id: 'bob', issuer: ISSUER });
    expect(slack.callsTo('users.info').some((c) => c.args['user'] === 'U0BOB' && c.authorized)).toBe(true);
    expect(scim.requests.some((r) => r.filter === 'emails.value eq "bob@countersign.test"' && r.authorized)).toBe(true);
  });

  it('a user absent from SCIM is refused NOT_MAPPED and told why', async () => {
    const { reviewId, value } = await posted();
    expect(await click('U0MALLORY', value)).toBe(200);
    const refused = await expectEventually(() => {
      const r = events('review.vote_refused', reviewId);
      expect(r).toHaveLength(1);
      return r[0];
    });
    expect(refused?.data).toMatchObject({ code: 'NOT_MAPPED', channel: 'slack', voter: { subject: `slack:${TEAM}/U0MALLORY`, issuer: 'urn:countersign:slack' } });
    await expectEventually(() => expect(noteTo('U0MALLORY', 'not linked to a directory identity')).toHaveLength(1));
    expect(events('review.vote_cast', reviewId)).toHaveLength(0);
  });

  it('SCIM down: the voter is told to try again, no vote and no refusal; the outage is logged without the token', async () => {
    const { reviewId, value } = await posted();
    scim.failing = true;
    try {
      expect(await click('U0BOB', value)).toBe(200);
      await expectEventually(() => expect(noteTo('U0BOB', DIRECTORY_UNAVAILABLE_TEXT)).toHaveLength(1));
    } finally {
      scim.failing = false;
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(events('review.vote_cast', reviewId)).toHaveLength(0);
    expect(events('review.vote_refused', reviewId)).toHaveLength(0);
    expect(logLines.some((l) => l.includes('directory unavailable') && l.includes('503'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(SCIM_TOKEN);
    // SCIM is back: the same person clicks again and the vote is cast.
    expect(await click('U0BOB', value)).toBe(200);
    await expectEventually(() => expect(events('review.vote_cast', reviewId)).toHaveLength(1));
  });
});
