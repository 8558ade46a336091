import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { found, one, SLACK_CHANNEL, startHarness, TEAMS_CONVERSATION, type Harness } from '../notifier-harness.spec.js';

// Reviews reach the chat room of their approver group: SLACK_CHANNEL_ROUTES / TEAMS_CONVERSATION_ROUTES,
// against the fake Slack Web API and the fake Bot Connector.

const PAYMENTS_SLACK = 'C0PAYMENTS';
const PAYMENTS_TEAMS = '19:payments@thread.tacv2';

describe('routing reviews by approver group (real NATS + Postgres, fake Slack and Teams)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      name: 'routing',
      slack: true,
      teams: true,
      env: { SLACK_CHANNEL_ROUTES: JSON.stringify({ payments: PAYMENTS_SLACK }), TEAMS_CONVERSATION_ROUTES: JSON.stringify({ payments: PAYMENTS_TEAMS }) },
    });
  });
  afterAll(() => h?.close());

  const review = (approverGroups: string[]) => {
    const r = h.reviewRequested();
    r.data.requirement.approverGroups = approverGroups;
    return r;
  };

  it("posts to the first of a review's groups that has a route, else to the default, and updates the message where it was posted", async () => {
    const payments = review(['security', 'payments']);
    const plain = review(['security']);
    await h.publisher.publishAll([payments, plain]);
    await expectEventually(async () => {
      for (const r of [payments, plain]) {
        expect((await h.delivery(r.data.reviewId, 'slack')).status).toBe('delivered');
        expect((await h.delivery(r.data.reviewId, 'teams')).status).toBe('delivered');
      }
    });
    const slackRef = async (r: typeof payments) => (await h.delivery(r.data.reviewId, 'slack')).external_ref ?? '';
    const teamsRef = async (r: typeof payments) => (await h.delivery(r.data.reviewId, 'teams')).external_ref ?? '';
    expect((await slackRef(payments)).split('/')[0]).toBe(PAYMENTS_SLACK);
    expect((await slackRef(plain)).split('/')[0]).toBe(SLACK_CHANNEL);
    expect(decodeURIComponent((await teamsRef(payments)).split('/')[0]!)).toBe(PAYMENTS_TEAMS);
    expect(decodeURIComponent((await teamsRef(plain)).split('/')[0]!)).toBe(TEAMS_CONVERSATION);
    const teamsPosts = found(h.teams).calls.filter((c) => c.method === 'POST' && c.activityId === undefined && c.status === 201);
    expect(teamsPosts.map((c) => c.conversationId).sort()).toEqual([PAYMENTS_TEAMS, TEAMS_CONVERSATION].sort());

    await h.publisher.publish(h.approved(payments, ['bob', 'dana']));
    await expectEventually(() => {
      expect(one(found(h.slack).callsTo('chat.update').filter((c) => c.ok)).args['channel']).toBe(PAYMENTS_SLACK);
      expect(found(h.teams).calls.some((c) => c.method === 'PUT' && c.conversationId === PAYMENTS_TEAMS)).toBe(true);
    });
  });
});
