import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentApprovedV1, ReviewExpiringV1, ReviewRequestedV1, ReviewVoteRecordedV1, ReviewVoteRefusedV1, type EventOf } from '@countersign/contracts';
import { DEV_ISSUER } from '@countersign/platform/auth';
import { expectEventually, teamsCardClick, type TeamsCall } from '@countersign/testing';
import { AAD, found, MASKED, one, pause, SLACK_CHANNEL, startHarness, TEAMS_APP_ID, TEAMS_CONVERSATION, TEAMS_PASSWORD, TENANT, type Harness } from './notifier-harness.spec.js';
import { ownerSignedJson } from '@countersign/platform/event-keys';

type Card = { body: unknown[]; actions?: Array<{ type: string; verb?: string; data?: Record<string, string> }> };
const cardOf = (activity: Record<string, unknown> | undefined) => (activity?.['attachments'] as Array<{ contentType: string; content: Card }> | undefined)?.[0]?.content;

describe('notifier Teams channel (real NATS + Postgres, fake Bot Framework and connector) with Slack and a webhook beside it', () => {
  let h: Harness;
  const teams = () => found(h.teams);

  beforeAll(async () => {
    h = await startHarness({ name: 'teams', slack: true, teams: true, webhook: true });
  });
  afterAll(() => h?.close());

  /** Successful card posts (new activities carrying a card) for a review. */
  const postsFor = (reviewId: string) =>
    teams().calls.filter((c) => c.method === 'POST' && c.activityId === undefined && c.status === 201 && cardOf(c.activity)?.actions?.[0]?.data?.['reviewId'] === reviewId);

  async function posted(requested = h.reviewRequested()): Promise<{ requested: EventOf<typeof ReviewRequestedV1>; post: TeamsCall; nonce: string; activityId: string }> {
    await h.publisher.publish(requested);
    const post = await expectEventually(() => one(postsFor(requested.data.reviewId)));
    const nonce = cardOf(post.activity)?.actions?.[0]?.data?.['nonce'] ?? '';
    // The row says delivered once the post's answer is recorded.
    await expectEventually(async () => expect((await h.delivery(requested.data.reviewId, 'teams')).status).toBe('delivered'));
    return { requested, post, nonce, activityId: post.id ?? '' };
  }

  async function click(opts: { reviewId: string; nonce: string; verb?: string; aad?: string; tenant?: string; reason?: string; via?: 'execute' | 'submit'; activityId?: string; token?: string | null }) {
    const activity = teamsCardClick({
      serviceUrl: teams().serviceUrl,
      conversationId: TEAMS_CONVERSATION,
      tenantId: opts.tenant ?? TENANT,
      aadObjectId: opts.aad ?? AAD.bob,
      verb: opts.verb ?? 'approve',
      via: opts.via ?? 'execute',
      data: { reviewId: opts.reviewId, nonce: opts.nonce, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) },
      ...(opts.activityId ? { activityId: opts.activityId } : {}),
    });
    const token = opts.token === undefined ? await teams().mintInboundToken({ appId: TEAMS_APP_ID, serviceUrl: teams().serviceUrl }) : opts.token;
    const res = await fetch(`${h.url}/v1/teams/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  const castsFor = (reviewId: string) => h.events('review.vote_cast').filter((e) => e.data.reviewId === reviewId);

  it('posts one Adaptive Card to Teams and one signed webhook event per review, beside Slack and the console', async () => {
    const { requested, post, nonce, activityId } = await posted();
    expect(post).toMatchObject({ conversationId: TEAMS_CONVERSATION, authorized: true });
    expect(post.token).toBe(teams().issuedTokens.at(-1));
    expect(teams().tokenRequests.at(-1)).toMatchObject({ status: 200, form: { grant_type: 'client_credentials', client_id: TEAMS_APP_ID, scope: 'https://api.botframework.com/.default' } });
    const card = found(cardOf(post.activity));
    const json = JSON.stringify(card);
    for (const shown of ['db.export', 'db/customers', 'prod', 'quarterly churn report', 'ci-deployer', 'exports from prod need two security approvers', 'Input.Text']) expect(json).toContain(shown);
    expect(json).toContain('masked:path:0a1b2c3d4e5f60718293');
    expect(card.actions?.map((a) => [a.type, a.verb, a.data])).toEqual([
      ['Action.Execute', 'approve', { reviewId: requested.data.reviewId, nonce }],
      ['Action.Execute', 'reject', { reviewId: requested.data.reviewId, nonce }],
    ]);
    expect(await h.delivery(requested.data.reviewId, 'teams')).toMatchObject({ status: 'delivered', external_ref: `${encodeURIComponent(TEAMS_CONVERSATION)}/${activityId}`, nonce });
    const hook = await expectEventually(() => one(found(h.webhook).ofType('review.requested').filter((d) => (d.payload['review'] as { id: string }).id === requested.data.reviewId)));
    expect(hook.payload).toMatchObject({ voteUrl: `https://policy.countersign.test/v1/reviews/${requested.data.reviewId}/votes`, review: { args: { query: MASKED } } });
    await expectEventually(() =>
      expect(h.events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId).map((e) => e.data.channel).sort()).toEqual(['console', 'slack', 'teams', 'webhook']),
    );
  });

  it('never posts twice for a redelivered review.requested', async () => {
    const { requested } = await posted();
    await jetstream(h.nc).publish(ReviewRequestedV1.subject, ownerSignedJson(requested), { msgID: `${requested.id}-again` });
    await expectEventually(() => expect(h.events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'console').length).toBeGreaterThanOrEqual(2));
    await pause(400);
    expect(postsFor(requested.data.reviewId)).toHaveLength(1);
    expect(found(h.webhook).ofType('review.requested').filter((d) => (d.payload['review'] as { id: string }).id === requested.data.reviewId)).toHaveLength(1);
  });

  it('keeps a review while Teams is down (token endpoint and connector), without holding up Slack, and posts it once when Teams is back', async () => {
    // The connector refuses the cached token (so a new one is needed), the token endpoint is down once,
    // then the connector fails twice more.
    teams().failNext(1, { kind: 'status', status: 401 }, 'POST');
    teams().failTokenRequests(1);
    teams().failNext(1, { kind: 'status', status: 503 }, 'POST');
    teams().failNext(1, { kind: 'close' }, 'POST');
    const tokenFailuresBefore = teams().tokenRequests.filter((r) => r.status === 503).length;
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    await expectEventually(async () => expect((await h.delivery(requested.data.reviewId, 'slack')).status).toBe('delivered'));
    await expectEventually(() => expect(postsFor(requested.data.reviewId)).toHaveLength(1));
    const failed = teams().calls.filter((c) => c.method === 'POST' && [401, 503, 0].includes(c.status));
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(teams().tokenRequests.filter((r) => r.status === 503).length - tokenFailuresBefore).toBe(1);
    await expectEventually(async () => expect(await h.delivery(requested.data.reviewId, 'teams')).toMatchObject({ status: 'delivered', attempts: 0, last_error: null, next_attempt_at: null }));
    await expectEventually(() => expect(h.events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'teams')).toHaveLength(1));
  });

  it('turns a verified Action.Execute by a mapped user into review.vote_cast with the directory identity, and answers with a card', async () => {
    const { requested, nonce } = await posted();
    const res = await click({ reviewId: requested.data.reviewId, nonce });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } });
    expect(JSON.stringify(res.json)).toContain('approval as bob was received');
    const cast = await expectEventually(() => one(castsFor(requested.data.reviewId)));
    expect(cast).toMatchObject({
      intentId: requested.intentId,
      actor: { kind: 'user', id: 'bob', issuer: DEV_ISSUER },
      data: {
        decision: 'approve',
        channel: 'teams',
        stepUp: false,
        breakGlass: false,
        voter: { subject: 'bob', issuer: DEV_ISSUER, groups: ['security', 'approvers'], authMethod: 'teams-jwt+directory', channelUser: `${TENANT}/${AAD.bob}` },
      },
    });
  });

  it('refuses a forged, expired, wrong-audience, wrong-service-URL or missing token with 401 and casts nothing', async () => {
    const { requested, nonce } = await posted();
    const base = { appId: TEAMS_APP_ID, serviceUrl: teams().serviceUrl };
    const cases: Array<[string | null, string]> = [
      [await teams().mintInboundToken({ ...base, forged: true }), 'TEAMS_TOKEN_INVALID'],
      [await teams().mintInboundToken({ ...base, expiresInSeconds: -3600 }), 'TEAMS_TOKEN_EXPIRED'],
      [await teams().mintInboundToken({ ...base, audience: 'some-other-bot' }), 'TEAMS_AUDIENCE_MISMATCH'],
      [await teams().mintInboundToken({ ...base, serviceUrl: 'https://attacker.example/' }), 'TEAMS_SERVICE_URL_MISMATCH'],
      [null, 'TEAMS_TOKEN_MISSING'],
    ];
    for (const [token, code] of cases) {
      const res = await click({ reviewId: requested.data.reviewId, nonce, token });
      expect([res.status, (res.json as { error?: { code?: string } })?.error?.code]).toEqual([401, code]);
    }
    await pause(300);
    expect(castsFor(requested.data.reviewId)).toHaveLength(0);
  });

  it('counts a replayed activity once: the same activity id with a valid token has no effect', async () => {
    const { requested, nonce } = await posted();
    const activityId = `f:replay-${requested.data.reviewId}`;
    expect((await click({ reviewId: requested.data.reviewId, nonce, aad: AAD.dana, activityId })).status).toBe(200);
    const again = await click({ reviewId: requested.data.reviewId, nonce, aad: AAD.dana, activityId });
    expect(again.status).toBe(200);
    expect(JSON.stringify(again.json)).toContain('already received');
    await pause(300);
    expect(castsFor(requested.data.reviewId)).toHaveLength(1);
  });

  it('refuses an unmapped user with review.vote_refused NOT_MAPPED and tells them why in the answer', async () => {
    const { requested, nonce } = await posted();
    const res = await click({ reviewId: requested.data.reviewId, nonce, aad: AAD.mallory });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.json)).toContain('not linked to a directory identity');
    const refused = await expectEventually(() => one(h.events('review.vote_refused').filter((e) => e.data.reviewId === requested.data.reviewId)));
    expect(refused.data).toMatchObject({
      code: 'NOT_MAPPED',
      channel: 'teams',
      voter: { subject: `teams:${TENANT}/${AAD.mallory}`, issuer: 'urn:countersign:teams', groups: [], authMethod: 'teams-jwt', channelUser: `${TENANT}/${AAD.mallory}` },
    });
    expect(castsFor(requested.data.reviewId)).toHaveLength(0);
    // Told once, in the answer: no public reply under the card.
    await pause(300);
    expect(teams().calls.filter((c) => c.activityId !== undefined && c.method === 'POST' && String(c.activity['text']).includes('not linked'))).toHaveLength(0);
  });

  it("does not take a mapped person's object id from another tenant as that person (the bot installed elsewhere)", async () => {
    const { requested, nonce } = await posted();
    const other = '00000000-0000-4000-8000-0000000e7e12';
    // A genuine Bot Framework token for our app: the activity comes from Microsoft, but from another
    // organisation's conversation, where an object id means someone else.
    const res = await click({ reviewId: requested.data.reviewId, nonce, tenant: other, aad: AAD.bob });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.json)).toContain('not linked to a directory identity');
    const refused = await expectEventually(() => one(h.events('review.vote_refused').filter((e) => e.data.reviewId === requested.data.reviewId)));
    expect(refused.data).toMatchObject({ code: 'NOT_MAPPED', voter: { subject: `teams:${other}/${AAD.bob}`, groups: [], channelUser: `${other}/${AAD.bob}` } });
    await pause(200);
    expect(castsFor(requested.data.reviewId)).toHaveLength(0);
  });

  it('needs a reason to reject, and casts the reject with it', async () => {
    const { requested, nonce } = await posted();
    const bare = await click({ reviewId: requested.data.reviewId, nonce, verb: 'reject', aad: AAD.dana, reason: '  ' });
    expect(bare.json).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { message: expect.stringContaining('reason is required') } });
    const res = await click({ reviewId: requested.data.reviewId, nonce, verb: 'reject', aad: AAD.dana, reason: 'not during the freeze' });
    expect(res.json).toMatchObject({ statusCode: 200 });
    const cast = await expectEventually(() => one(castsFor(requested.data.reviewId)));
    expect(cast.data).toMatchObject({ decision: 'reject', reason: 'not during the freeze', voter: { subject: 'dana' } });
  });

  it('takes a vote from the Action.Submit fallback (a message activity) and answers 200 with nothing', async () => {
    const { requested, nonce } = await posted();
    const res = await click({ reviewId: requested.data.reviewId, nonce, via: 'submit' });
    expect([res.status, res.text]).toEqual([200, '']);
    const cast = await expectEventually(() => one(castsFor(requested.data.reviewId)));
    expect(cast.data).toMatchObject({ decision: 'approve', channel: 'teams', voter: { subject: 'bob' } });
  });

  it('answers a stale or guessed nonce with "no longer valid" and casts nothing', async () => {
    const { requested } = await posted();
    const res = await click({ reviewId: requested.data.reviewId, nonce: 'A'.repeat(22) });
    expect(JSON.stringify(res.json)).toContain('no longer valid');
    await pause(200);
    expect(castsFor(requested.data.reviewId)).toHaveLength(0);
  });

  it('replies under the card when policy refuses a mapped Teams voter', async () => {
    const { requested, activityId } = await posted();
    await h.publisher.publish(
      createEvent(ReviewVoteRefusedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: {
          reviewId: requested.data.reviewId, decision: 'approve', channel: 'teams', code: 'OWNER_APPROVAL', reason: 'you own the requesting pipeline',
          voter: { subject: 'bob', issuer: DEV_ISSUER, groups: ['security'], authMethod: 'teams-jwt+directory', channelUser: `${TENANT}/${AAD.bob}` },
        },
      }),
    );
    const reply = await expectEventually(() => found(teams().calls.find((c) => c.activityId === activityId && c.method === 'POST')));
    expect(reply.activity).toMatchObject({ replyToId: activityId, text: 'bob: Your approval did not count: you own the requesting pipeline (OWNER_APPROVAL)' });
  });

  it('updates the card (PUT) with the votes so far, then replaces it with the outcome, who decided and no actions', async () => {
    const { requested, activityId } = await posted();
    const voter = { subject: 'bob', issuer: DEV_ISSUER, groups: ['security'], authMethod: 'teams-jwt+directory', channelUser: `${TENANT}/${AAD.bob}` };
    await h.publisher.publish(
      createEvent(ReviewVoteRecordedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), decision: 'approve', voter, channel: 'teams', breakGlass: false, approvals: 1, quorum: 2 },
      }),
    );
    const progress = await expectEventually(() => found(teams().calls.find((c) => c.method === 'PUT' && c.activityId === activityId && c.status === 200)));
    expect(JSON.stringify(cardOf(progress.activity))).toContain('Approvals so far: 1 of 2 (bob)');
    expect(cardOf(progress.activity)?.actions).toHaveLength(2);
    await h.publisher.publish(h.approved(requested, ['bob', 'dana']));
    const put = await expectEventually(() => found(teams().calls.filter((c) => c.method === 'PUT' && c.activityId === activityId && c.status === 200 && JSON.stringify(c.activity).includes('Approved by')).at(-1)));
    expect(put.authorized).toBe(true);
    const card = found(cardOf(put.activity));
    expect(JSON.stringify(card)).toContain('Approved by bob, dana');
    expect(JSON.stringify(card)).toContain('db/customers');
    expect(card.actions).toBeUndefined();
    expect(JSON.stringify(card)).not.toContain('Input.Text');
    expect(teams().activities.get(`${TEAMS_CONVERSATION}/${activityId}`)?.updates).toBeGreaterThanOrEqual(1);
    const decided = await expectEventually(() => one(found(h.webhook).ofType('review.decided').filter((d) => (d.payload['review'] as { id: string }).id === requested.data.reviewId)));
    expect(decided.payload).toMatchObject({ outcome: { kind: 'approved', decidedBy: ['bob', 'dana'] } });
    // A redelivered outcome changes nothing.
    const puts = teams().calls.filter((c) => c.method === 'PUT' && c.activityId === activityId).length;
    await jetstream(h.nc).publish(IntentApprovedV1.subject, JSON.stringify(h.events('intent.approved').at(-1)), { msgID: h.ids.next() });
    await pause(400);
    expect(teams().calls.filter((c) => c.method === 'PUT' && c.activityId === activityId)).toHaveLength(puts);
  });

  it('posts a reminder and an escalation notice on every channel the review went out on (Slack thread, Teams, webhook), once each', async () => {
    const { requested } = await posted();
    const slackTs = ((await h.delivery(requested.data.reviewId, 'slack')).external_ref ?? '').split('/')[1];
    const expiresAt = requested.data.expiresAt;
    const groups = ['sre-leads', `on-call-${requested.data.reviewId.slice(-6)}`];
    const expiring = h.expiring(requested);
    await h.publisher.publish(expiring);
    await h.publisher.publish(h.escalated(requested, groups));
    // Redelivered: nothing more is sent.
    await jetstream(h.nc).publish(ReviewExpiringV1.subject, ownerSignedJson(expiring), { msgID: `${expiring.id}-again` });

    const threaded = await expectEventually(() => {
      const replies = found(h.slack).callsTo('chat.postMessage').filter((c) => c.ok && c.args['thread_ts'] === slackTs);
      expect(replies).toHaveLength(2);
      return replies;
    });
    expect(threaded.map((c) => String(c.args['text'])).sort()).toEqual([
      expect.stringContaining(`Escalated after 30 min without a decision: ${groups.join(', ')} may now vote on db.export`),
      expect.stringContaining(`Reminder: the review of db.export on db/customers (prod), requested by ci-deployer expires at ${expiresAt}`),
    ]);
    expect(threaded.find((c) => String(c.args['text']).startsWith('Escalated'))?.args).toMatchObject({ channel: SLACK_CHANNEL, reply_broadcast: 'true' });

    const teamsNotices = () => teams().calls.filter((c) => c.method === 'POST' && c.activityId === undefined && c.status === 201 && !c.activity['attachments']);
    await expectEventually(() => {
      expect(teamsNotices().filter((c) => String(c.activity['text']).includes(expiresAt))).toHaveLength(1);
      expect(teamsNotices().filter((c) => String(c.activity['text']).includes(groups[1] ?? '?'))).toHaveLength(1);
    });
    expect(teamsNotices().find((c) => String(c.activity['text']).includes(expiresAt))?.activity).toMatchObject({ type: 'message', textFormat: 'plain', text: expect.stringMatching(/^Reminder: /) });

    const hook = found(h.webhook);
    const forReview = (type: string) => hook.ofType(type).filter((d) => (d.payload['review'] as { id: string }).id === requested.data.reviewId);
    await expectEventually(() => {
      expect(forReview('review.reminder').map((d) => d.payload['notice'])).toEqual([{ expiresAt }]);
      expect(forReview('review.escalated').map((d) => d.payload['notice'])).toEqual([{ afterSeconds: 1800, groups }]);
    });
    await expectEventually(async () => {
      const { rows } = await h.sql.query('SELECT channel, kind, status FROM notifier.notices WHERE review_id = $1 ORDER BY kind, channel', [requested.data.reviewId]);
      expect(rows).toEqual([
        { channel: 'slack', kind: 'escalated', status: 'sent' },
        { channel: 'teams', kind: 'escalated', status: 'sent' },
        { channel: 'webhook', kind: 'escalated', status: 'sent' },
        { channel: 'slack', kind: 'reminder', status: 'sent' },
        { channel: 'teams', kind: 'reminder', status: 'sent' },
        { channel: 'webhook', kind: 'reminder', status: 'sent' },
      ]);
    });
  });

  it('skips a reminder for a review that is already decided', async () => {
    const { requested } = await posted();
    await h.publisher.publish(h.approved(requested, ['bob', 'dana']));
    await expectEventually(async () => expect((await h.delivery(requested.data.reviewId, 'teams')).next_attempt_at).toBeNull());
    await h.publisher.publish(h.expiring(requested));
    await expectEventually(async () => {
      const { rows } = await h.sql.query('SELECT DISTINCT status FROM notifier.notices WHERE review_id = $1', [requested.data.reviewId]);
      expect(rows).toEqual([{ status: 'skipped' }]);
    });
  });

  it('never logs the Teams app password, the bot token, or the webhook secret', () => {
    const all = h.logLines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(TEAMS_PASSWORD);
    for (const t of teams().issuedTokens) expect(all).not.toContain(t);
    expect(all).not.toContain(h.webhookSecret.slice(6));
  });
});
