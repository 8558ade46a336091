// The SCIM directory end to end: real NATS + Postgres, the service as main.ts builds it with
// NOTIFIER_DIRECTORY=scim, a fake Slack Web API (users.info gives the e-mail) and a fake SCIM server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountersignEvent } from '@countersign/contracts';
import { expectEventually, signSlackRequest, slackInteractionBody, type FakeScim, type FakeSlack, type SlackCall } from '@countersign/testing';
import { found, one, pause, SLACK_CHANNEL as CHANNEL, SLACK_SIGNING_SECRET as SIGNING_SECRET, SLACK_TEAM as TEAM, startHarness, type Harness } from '../notifier-harness.spec.js';
import { DIRECTORY_UNAVAILABLE_TEXT } from './directory.js';

const SCIM_TOKEN = 'scim-bearer-9b2f7e0c41d8a6';
const ISSUER = 'https://idp.countersign.test';

type Block = { type: string; elements?: Array<{ value?: string }> };
const buttonValue = (call: SlackCall | undefined) => ((call?.args['blocks'] ?? []) as Block[]).find((b) => b.type === 'actions')?.elements?.[0]?.value ?? '';

describe('notifier with the SCIM directory (real NATS + Postgres, fake Slack + fake SCIM)', () => {
  let h: Harness;
  let slack: FakeSlack;
  let scim: FakeScim;
  const events = <T extends CountersignEvent['type']>(type: T, reviewId: string) => h.events(type).filter((e) => (e.data as { reviewId?: string }).reviewId === reviewId);

  beforeAll(async () => {
    h = await startHarness({
      name: 'scim',
      slack: true,
      slackUsers: { U0BOB: 'bob@countersign.test', U0MALLORY: 'mallory@elsewhere.test' },
      scim: {
        token: SCIM_TOKEN,
        issuer: ISSUER,
        users: [{ id: 'u-bob', userName: 'bob', emails: ['bob@countersign.test'] }],
        groups: [
          { id: 'g-sec', displayName: 'security', members: ['u-bob'] },
          { id: 'g-app', displayName: 'approvers', members: ['u-bob'] },
        ],
      },
    });
    slack = found(h.slack);
    scim = found(h.scim);
  });
  afterAll(() => h?.close());

  /** Publishes a review request and waits until its Slack message is delivered; returns the button value. */
  async function posted(): Promise<{ reviewId: string; value: string }> {
    const requested = h.reviewRequested();
    const reviewId = requested.data.reviewId;
    await h.publisher.publish(requested);
    const post = await expectEventually(() => one(slack.callsTo('chat.postMessage').filter((c) => c.ok && buttonValue(c).startsWith(reviewId))));
    await expectEventually(async () => expect((await h.delivery(reviewId, 'slack')).status).toBe('delivered'));
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
    const res = await fetch(`${h.url}/v1/slack/interactions`, { method: 'POST', headers: signSlackRequest(SIGNING_SECRET, body), body });
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
    await pause(300);
    expect(events('review.vote_cast', reviewId)).toHaveLength(0);
    expect(events('review.vote_refused', reviewId)).toHaveLength(0);
    expect(h.logLines.some((l) => l.includes('directory unavailable') && l.includes('503'))).toBe(true);
    expect(h.logLines.join('\n')).not.toContain(SCIM_TOKEN);
    // SCIM is back: the same person clicks again and the vote is cast.
    expect(await click('U0BOB', value)).toBe(200);
    await expectEventually(() => expect(events('review.vote_cast', reviewId)).toHaveLength(1));
  });
});
