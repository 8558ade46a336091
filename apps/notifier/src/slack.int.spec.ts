import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentApprovedV1, IntentRejectedV1, ReviewConcludedV1, ReviewRequestedV1, ReviewVoteRecordedV1, ReviewVoteRefusedV1 } from '@countersign/contracts';
import { DEV_ISSUER } from '@countersign/platform/auth';
import { expectEventually, signSlackRequest, slackInteractionBody, type FakeSlack, type SlackCall } from '@countersign/testing';
import { found, MASKED, one, pause, SLACK_CHANNEL as CHANNEL, SLACK_SIGNING_SECRET as SIGNING_SECRET, SLACK_TEAM as TEAM, SLACK_TOKEN as TOKEN, startHarness, type Harness } from './notifier-harness.spec.js';
import { ownerSignedJson } from '@countersign/platform/event-keys';

type Block = { type: string; elements?: Array<{ action_id?: string; value?: string }> };
const blocksOf = (call: SlackCall | undefined) => (call?.args['blocks'] ?? []) as Block[];
const buttonValue = (call: SlackCall | undefined) => blocksOf(call).find((b) => b.type === 'actions')?.elements?.[0]?.value ?? '';

describe('notifier Slack channel (real NATS + Postgres, fake Slack Web API)', () => {
  let h: Harness;
  let slack: FakeSlack;
  const events: Harness['events'] = (type) => h.events(type);
  const reviewRequested: Harness['reviewRequested'] = (reviewId) => h.reviewRequested(reviewId);

  beforeAll(async () => {
    h = await startHarness({ name: 'slack', slack: true });
    slack = found(h.slack);
  });
  afterAll(() => h?.close());

  const postsFor = (reviewId: string) => slack.callsTo('chat.postMessage').filter((c) => c.ok && buttonValue(c).startsWith(reviewId));

  /** Publishes a review request and waits for its Slack message. */
  async function posted(requested = reviewRequested()): Promise<{ requested: typeof requested; post: SlackCall; value: string }> {
    await h.publisher.publish(requested);
    const post = await expectEventually(() => one(postsFor(requested.data.reviewId)));
    // The fake sees the post before notifier records its answer: wait until the row says delivered.
    await expectEventually(async () => {
      const { rows } = await h.sql.query("SELECT status FROM notifier.deliveries WHERE review_id = $1 AND channel = 'slack'", [requested.data.reviewId]);
      expect(rows).toEqual([{ status: 'delivered' }]);
    });
    return { requested, post, value: buttonValue(post) };
  }

  function click(user: string, action: 'countersign_approve' | 'countersign_reject', value: string) {
    return {
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: user, team_id: TEAM },
      trigger_id: `${Date.now()}.${user}.trigger`,
      channel: { id: CHANNEL },
      container: { type: 'message', channel_id: CHANNEL, message_ts: '1700000000.000001' },
      actions: [{ action_id: action, block_id: 'countersign_vote', value, type: 'button' }],
    };
  }

  async function send(body: string, headers: Record<string, string> = signSlackRequest(SIGNING_SECRET, body)) {
    const res = await fetch(`${h.url}/v1/slack/interactions`, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text() };
  }

  it('posts one Block Kit message per review (with masked arguments and buttons) and announces both channels', async () => {
    const { requested, post, value } = await posted();
    expect(post).toMatchObject({ authorized: true, contentType: 'application/x-www-form-urlencoded', args: { channel: CHANNEL } });
    const json = JSON.stringify(post.args['blocks']);
    for (const shown of ['db.export', 'db/customers', 'prod', MASKED, 'args.query', 'quarterly churn report', 'ci-deployer', 'exports from prod need two security approvers', 'Approve', 'Reject']) {
      expect(json).toContain(shown);
    }
    expect(value).toMatch(new RegExp(`^${requested.data.reviewId}\\.[A-Za-z0-9_-]{22}$`));
    const notified = await expectEventually(() => {
      const n = events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId);
      expect(n.map((e) => e.data.channel).sort()).toEqual(['console', 'slack']);
      return n;
    });
    expect(notified.every((e) => e.causationId === requested.id && e.intentId === requested.intentId)).toBe(true);
    const { rows } = await h.sql.query('SELECT channel, status, external_ref, nonce FROM notifier.deliveries WHERE review_id = $1 ORDER BY channel', [requested.data.reviewId]);
    const ts = [...slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(value))?.ts;
    expect(ts).toBeDefined();
    expect(rows).toEqual([
      { channel: 'console', status: 'delivered', external_ref: null, nonce: null },
      { channel: 'slack', status: 'delivered', external_ref: `${CHANNEL}/${ts}`, nonce: value.split('.')[1] },
    ]);
  });

  it('never posts twice for a redelivered review.requested or a second request for the same review', async () => {
    const { requested } = await posted();
    await jetstream(h.nc).publish(ReviewRequestedV1.subject, ownerSignedJson(requested), { msgID: `${requested.id}-again` });
    await h.publisher.publish({ ...reviewRequested(requested.data.reviewId), intentId: requested.intentId });
    await expectEventually(() => expect(events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'console').length).toBeGreaterThanOrEqual(2));
    await pause(400);
    expect(postsFor(requested.data.reviewId)).toHaveLength(1);
  });

  it('keeps a review while Slack is down, without holding up the console, and posts it once when Slack is back', async () => {
    slack.failNext(1, { kind: 'http500' }, 'chat.postMessage');
    slack.failNext(1, { kind: 'close' }, 'chat.postMessage');
    slack.failNext(1, { kind: 'not_ok', error: 'service_unavailable' }, 'chat.postMessage');
    const requested = reviewRequested();
    const failedBefore = slack.callsTo('chat.postMessage').filter((c) => !c.ok).length;
    await h.publisher.publish(requested);
    await expectEventually(() => expect(events('review.notified').some((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'console')).toBe(true));
    await expectEventually(() => expect(postsFor(requested.data.reviewId)).toHaveLength(1));
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.ok).length - failedBefore).toBe(3);
    // Done: idle (no retry scheduled), the failures forgotten.
    await expectEventually(async () => {
      const { rows } = await h.sql.query("SELECT status, attempts, last_error, next_attempt_at FROM notifier.deliveries WHERE review_id = $1 AND channel = 'slack'", [requested.data.reviewId]);
      expect(rows).toEqual([{ status: 'delivered', attempts: 0, last_error: null, next_attempt_at: null }]);
    });
    await expectEventually(() => expect(events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'slack')).toHaveLength(1));
  });

  it('turns a signed click by a mapped user into review.vote_cast with the directory identity', async () => {
    const { requested, value } = await posted();
    const res = await send(slackInteractionBody(click('U0BOB', 'countersign_approve', value)));
    expect(res).toEqual({ status: 200, text: '' });
    const cast = await expectEventually(() => one(events('review.vote_cast').filter((e) => e.data.reviewId === requested.data.reviewId)));
    expect(cast).toMatchObject({
      intentId: requested.intentId,
      actor: { kind: 'user', id: 'bob', issuer: DEV_ISSUER },
      data: {
        decision: 'approve',
        channel: 'slack',
        breakGlass: false,
        stepUp: false,
        voter: { subject: 'bob', issuer: DEV_ISSUER, groups: ['security', 'approvers'], authMethod: 'slack-signature+directory', channelUser: `${TEAM}/U0BOB` },
      },
    });
  });

  it('refuses a forged signature and a stale timestamp with 401, and a replay with 409, casting nothing', async () => {
    const { requested, value } = await posted();
    const body = slackInteractionBody(click('U0DANA', 'countersign_approve', value));
    const forged = { ...signSlackRequest(SIGNING_SECRET, body), 'x-slack-signature': `v0=${'0'.repeat(64)}` };
    expect(await send(body, forged)).toMatchObject({ status: 401, text: expect.stringContaining('SIGNATURE_INVALID') });
    expect(await send(body, signSlackRequest('not-the-secret', body))).toMatchObject({ status: 401 });
    const stale = signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60);
    expect(await send(body, stale)).toMatchObject({ status: 401, text: expect.stringContaining('TIMESTAMP_STALE') });
    const unsigned = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(await send(body, unsigned)).toMatchObject({ status: 401, text: expect.stringContaining('SIGNATURE_MISSING') });

    const headers = signSlackRequest(SIGNING_SECRET, body);
    expect(await send(body, headers)).toEqual({ status: 200, text: '' });
    expect(await send(body, headers)).toMatchObject({ status: 409, text: expect.stringContaining('REQUEST_REPLAYED') });
    await pause(300);
    expect(events('review.vote_cast').filter((e) => e.data.reviewId === requested.data.reviewId)).toHaveLength(1);
  });

  it('refuses an unmapped user with review.vote_refused NOT_MAPPED and tells them why, privately', async () => {
    const { requested, value } = await posted();
    expect((await send(slackInteractionBody(click('U0MALLORY', 'countersign_approve', value)))).status).toBe(200);
    const refused = await expectEventually(() => one(events('review.vote_refused').filter((e) => e.data.reviewId === requested.data.reviewId)));
    expect(refused.data).toMatchObject({
      code: 'NOT_MAPPED',
      channel: 'slack',
      voter: { subject: `slack:${TEAM}/U0MALLORY`, issuer: 'urn:countersign:slack', groups: [], authMethod: 'slack-signature', channelUser: `${TEAM}/U0MALLORY` },
    });
    const note = await expectEventually(() => found(slack.callsTo('chat.postEphemeral').find((c) => c.args['user'] === 'U0MALLORY')));
    expect(note.args).toMatchObject({ channel: CHANNEL, text: expect.stringContaining('not linked to a directory identity') });
    expect(events('review.vote_cast').filter((e) => e.data.reviewId === requested.data.reviewId)).toHaveLength(0);
  });

  it('asks for a reason on Reject (modal) and casts the reject with it on submission', async () => {
    const { requested, value } = await posted();
    expect((await send(slackInteractionBody(click('U0DANA', 'countersign_reject', value)))).status).toBe(200);
    const open = await expectEventually(() => found(slack.callsTo('views.open').find((c) => (c.args['view'] as { private_metadata?: string }).private_metadata === value)));
    expect(String(open.args['trigger_id'])).toContain('U0DANA');
    const submission = (reason: string) => ({
      type: 'view_submission',
      team: { id: TEAM },
      user: { id: 'U0DANA', team_id: TEAM },
      view: { id: 'V1', callback_id: 'countersign_reject_reason', private_metadata: value, state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } } } } },
    });
    const empty = await send(slackInteractionBody(submission('   ')));
    expect([empty.status, JSON.parse(empty.text)]).toEqual([200, { response_action: 'errors', errors: { reason: 'A reason is required.' } }]);
    expect(await send(slackInteractionBody(submission('not during the freeze')))).toEqual({ status: 200, text: '' });
    const cast = await expectEventually(() => one(events('review.vote_cast').filter((e) => e.data.reviewId === requested.data.reviewId)));
    expect(cast.data).toMatchObject({ decision: 'reject', reason: 'not during the freeze', voter: { subject: 'dana' } });
  });

  it('tells the user a button is no longer valid when its nonce does not match, and casts nothing', async () => {
    const { requested, value } = await posted();
    const wrong = `${requested.data.reviewId}.${'A'.repeat(22)}`;
    expect(value).not.toBe(wrong);
    expect((await send(slackInteractionBody(click('U0BOB', 'countersign_approve', wrong)))).status).toBe(200);
    await expectEventually(() =>
      expect(slack.callsTo('chat.postEphemeral').some((c) => c.args['user'] === 'U0BOB' && String(c.args['text']).includes('no longer valid'))).toBe(true),
    );
    expect(events('review.vote_cast').filter((e) => e.data.reviewId === requested.data.reviewId)).toHaveLength(0);
  });

  it('shows votes so far, then replaces the buttons with the outcome and the approvers', async () => {
    const { requested, value } = await posted();
    // The post is seen by the fake before its answer is recorded: wait for the row to say where it went.
    const ref = await expectEventually(async () => {
      const row = (await h.sql.query("SELECT external_ref FROM notifier.deliveries WHERE review_id = $1 AND channel = 'slack'", [requested.data.reviewId])).rows[0];
      expect(row?.external_ref).toEqual(expect.any(String));
      return row.external_ref as string;
    });
    const msg = () => found(slack.messages.get(ref));
    expect(JSON.stringify(msg().blocks)).toContain(value);
    const voter = { subject: 'bob', issuer: DEV_ISSUER, groups: ['security'], authMethod: 'slack-signature+directory', channelUser: `${TEAM}/U0BOB` };
    await h.publisher.publish(
      createEvent(ReviewVoteRecordedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), decision: 'approve', voter, channel: 'slack', breakGlass: false, approvals: 1, quorum: 2 },
      }),
    );
    await expectEventually(() => expect(JSON.stringify(msg().blocks)).toContain('Approvals so far: 1 of 2 (`bob`)'));
    expect(JSON.stringify(msg().blocks)).toContain('"type":"actions"');

    await h.publisher.publish(
      createEvent(IntentApprovedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), grant: { audience: 'db:customers', claimTtlSeconds: 300, useTtlSeconds: 60 }, approvers: ['bob', 'dana'] },
      }),
    );
    await expectEventually(() => expect(JSON.stringify(msg().blocks)).toContain('Approved by `bob`, `dana`'));
    const last = slack.callsTo('chat.update').filter((c) => `${String(c.args['channel'])}/${String(c.args['ts'])}` === ref).at(-1);
    if (!last) throw new Error('no chat.update for the message');
    expect(last).toMatchObject({ authorized: true, ok: true, args: { channel: CHANNEL } });
    expect(blocksOf(last).some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(last.args['blocks'])).toContain('db/customers');
    // A redelivered outcome changes nothing.
    const updates = msg().updates;
    await jetstream(h.nc).publish(IntentApprovedV1.subject, JSON.stringify(events('intent.approved').at(-1)), { msgID: h.ids.next() });
    await pause(400);
    expect(msg().updates).toBe(updates);
  });

  it('replaces the buttons with "withdrawn" when the requester withdraws (review.concluded, outcome withdrawn)', async () => {
    const { requested } = await posted();
    const ref = await expectEventually(async () => {
      const row = (await h.sql.query("SELECT external_ref FROM notifier.deliveries WHERE review_id = $1 AND channel = 'slack'", [requested.data.reviewId])).rows[0];
      expect(row?.external_ref).toEqual(expect.any(String));
      return row.external_ref as string;
    });
    await h.publisher.publish(
      createEvent(ReviewConcludedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), kind: 'approval', outcome: 'withdrawn', reason: 'withdrawn by ci-deployer: not needed' },
      }),
    );
    const msg = () => found(slack.messages.get(ref));
    await expectEventually(() => expect(JSON.stringify(msg().blocks)).toContain('Withdrawn by the requester: nothing left to decide'));
    expect(JSON.stringify(msg().blocks)).toContain('withdrawn by ci-deployer: not needed');
    expect(JSON.stringify(msg().blocks)).not.toContain('"type":"actions"');
  });

  it('tells a mapped voter privately why policy refused their vote', async () => {
    const { requested } = await posted();
    await h.publisher.publish(
      createEvent(ReviewVoteRefusedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: {
          reviewId: requested.data.reviewId, decision: 'approve', channel: 'slack', code: 'OWNER_APPROVAL', reason: 'you own the requesting pipeline',
          voter: { subject: 'bob', issuer: DEV_ISSUER, groups: ['security'], authMethod: 'slack-signature+directory', channelUser: `${TEAM}/U0BOB` },
        },
      }),
    );
    await expectEventually(() =>
      expect(slack.callsTo('chat.postEphemeral').find((c) => String(c.args['text']).includes('you own the requesting pipeline'))?.args).toMatchObject({
        channel: CHANNEL,
        user: 'U0BOB',
        text: 'Your approval did not count: you own the requesting pipeline (OWNER_APPROVAL)',
      }),
    );
  });

  it('does not post a review that was decided while Slack was down', async () => {
    slack.failNext(50, { kind: 'http500' }, 'chat.postMessage');
    const requested = reviewRequested();
    await h.publisher.publish(requested);
    await expectEventually(() => expect(slack.callsTo('chat.postMessage').filter((c) => c.status === 500).length).toBeGreaterThan(0));
    await h.publisher.publish(
      createEvent(IntentRejectedV1, {
        id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
        data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), reason: 'withdrawn by policy' },
      }),
    );
    await expectEventually(async () => {
      const { rows } = await h.sql.query("SELECT status FROM notifier.deliveries WHERE review_id = $1 AND channel = 'slack'", [requested.data.reviewId]);
      expect(rows).toEqual([{ status: 'skipped' }]);
    });
    slack.heal();
    expect(postsFor(requested.data.reviewId)).toHaveLength(0);
  });

  it('never logs the bot token or the signing secret', () => {
    expect(h.logLines.length).toBeGreaterThan(0);
    const all = h.logLines.join('\n');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(SIGNING_SECRET);
  });
});
