import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTeams, type FakeTeams } from '@countersign/testing';
import { Secret } from '../slack/secret.js';
import { TeamsApiError, TeamsConnector } from './teams-connector.js';

const APP_ID = '6b4a1b3e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';
const PASSWORD = 'fake~bot.password_0123456789';
const CONVERSATION = '19:reviews@thread.tacv2';

describe('TeamsConnector (against the fake token endpoint and Bot Connector)', () => {
  let teams: FakeTeams;
  let now = Date.now();
  const connector = (password = PASSWORD) =>
    new TeamsConnector({ appId: APP_ID, password: new Secret(password), tokenUrl: teams.tokenUrl, serviceUrl: teams.serviceUrl, timeoutMs: 1000 }, () => now);

  beforeAll(async () => {
    teams = await startFakeTeams({ appId: APP_ID, appPassword: PASSWORD, tokenLifetimeSeconds: 3600 });
  });
  afterAll(() => teams?.stop());

  it('gets a token by client credentials once and reuses it until shortly before it expires', async () => {
    const c = connector();
    const before = teams.tokenRequests.length;
    const id = await c.send(CONVERSATION, { type: 'message', text: 'one' });
    await c.update(CONVERSATION, id, { type: 'message', text: 'two' });
    await c.reply(CONVERSATION, id, { type: 'message', text: 'three' });
    expect(teams.tokenRequests.length - before).toBe(1);
    expect(teams.tokenRequests.at(-1)?.form).toEqual({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: '[present]', scope: 'https://api.botframework.com/.default' });
    const calls = teams.calls.slice(-3);
    expect(calls.map((x) => [x.method, x.authorized, x.activityId ?? null])).toEqual([['POST', true, null], ['PUT', true, id], ['POST', true, id]]);
    expect(calls[2]?.activity).toMatchObject({ replyToId: id });
    expect(teams.activities.get(`${CONVERSATION}/${id}`)).toMatchObject({ activity: { text: 'two' }, updates: 1 });
    now += 56 * 60_000; // 4 minutes before expiry: renewed
    await c.send(CONVERSATION, { type: 'message', text: 'four' });
    expect(teams.tokenRequests.length - before).toBe(2);
  });

  it('shares one token request among concurrent calls', async () => {
    const c = connector();
    const before = teams.tokenRequests.length;
    await Promise.all([1, 2, 3].map((n) => c.send(CONVERSATION, { type: 'message', text: String(n) })));
    expect(teams.tokenRequests.length - before).toBe(1);
  });

  it('fails with the status on a refused password, a connector error or a closed connection, never with a secret', async () => {
    const wrong = connector('not-the-password');
    const err = await wrong.send(CONVERSATION, { type: 'message', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TeamsApiError);
    expect(err).toMatchObject({ status: 401, message: expect.stringContaining('invalid_client') });
    expect(String((err as Error).message)).not.toContain('not-the-password');
    const c = connector();
    teams.failNext(1, { kind: 'status', status: 503 });
    await expect(c.send(CONVERSATION, { type: 'message', text: 'x' })).rejects.toMatchObject({ status: 503 });
    teams.failNext(1, { kind: 'close' });
    await expect(c.send(CONVERSATION, { type: 'message', text: 'x' })).rejects.toMatchObject({ status: 0 });
    await expect(c.send(CONVERSATION, { type: 'message', text: 'x' })).resolves.toEqual(expect.any(String));
  });

  it('drops a token the connector refuses, so that the next call asks for a new one', async () => {
    const c = connector();
    await c.send(CONVERSATION, { type: 'message', text: 'x' });
    const before = teams.tokenRequests.length;
    teams.failNext(1, { kind: 'status', status: 401 });
    await expect(c.send(CONVERSATION, { type: 'message', text: 'x' })).rejects.toMatchObject({ status: 401 });
    await c.send(CONVERSATION, { type: 'message', text: 'x' });
    expect(teams.tokenRequests.length - before).toBe(1);
  });
});
