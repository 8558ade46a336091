import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapApiError } from '@countersign/platform/nest';
import { startFakeTeams, type FakeTeams } from '@countersign/testing';
import { BotFrameworkTokenVerifier } from './verify-bot-token.js';

const APP_ID = '6b4a1b3e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (error) {
    const mapped = mapApiError(error);
    return { status: mapped.status, code: mapped.body.error.code };
  }
  throw new Error('expected a refusal');
}

describe('BotFrameworkTokenVerifier (against a fake Bot Framework: OpenID metadata → JWKS)', () => {
  let teams: FakeTeams;
  let verifier: BotFrameworkTokenVerifier;
  let activity: { serviceUrl: string; channelId: string };

  beforeAll(async () => {
    teams = await startFakeTeams({ appId: APP_ID, appPassword: 'unused' });
    verifier = new BotFrameworkTokenVerifier({ openIdMetadataUrl: teams.openIdMetadataUrl, issuer: 'https://api.botframework.com', appId: APP_ID, timeoutMs: 2000 });
    activity = { serviceUrl: teams.serviceUrl, channelId: 'msteams' };
  });
  afterAll(() => teams?.stop());

  const bearer = (t: string) => `Bearer ${t}`;

  it('accepts a token the Bot Framework signed for this bot and this service URL', async () => {
    const token = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl });
    const claims = await verifier.verify(bearer(token), activity);
    expect(claims).toMatchObject({ iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: teams.serviceUrl });
  });

  it('refuses a forged signature (another key under the same key id)', async () => {
    const token = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, forged: true });
    expect(await refusal(verifier.verify(bearer(token), activity))).toEqual({ status: 401, code: 'TEAMS_TOKEN_INVALID' });
  });

  it('refuses a wrong issuer, a wrong audience and an expired token', async () => {
    const wrongIssuer = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, issuer: 'https://sts.windows.net/evil/' });
    expect(await refusal(verifier.verify(bearer(wrongIssuer), activity))).toEqual({ status: 401, code: 'TEAMS_ISSUER_MISMATCH' });
    const wrongAudience = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, audience: 'another-bot' });
    expect(await refusal(verifier.verify(bearer(wrongAudience), activity))).toEqual({ status: 401, code: 'TEAMS_AUDIENCE_MISMATCH' });
    const expired = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, expiresInSeconds: -600 });
    expect(await refusal(verifier.verify(bearer(expired), activity))).toEqual({ status: 401, code: 'TEAMS_TOKEN_EXPIRED' });
  });

  it('allows the Bot Framework clock skew of five minutes, not more', async () => {
    const justExpired = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, expiresInSeconds: -240 });
    await expect(verifier.verify(bearer(justExpired), activity)).resolves.toBeDefined();
    const tooOld = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, expiresInSeconds: -360 });
    expect((await refusal(verifier.verify(bearer(tooOld), activity))).code).toBe('TEAMS_TOKEN_EXPIRED');
  });

  it("refuses a token whose serviceurl is not the activity's serviceUrl, or that has none", async () => {
    const token = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    expect(await refusal(verifier.verify(bearer(token), activity))).toEqual({ status: 401, code: 'TEAMS_SERVICE_URL_MISMATCH' });
    const none = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl, withoutServiceUrl: true });
    expect((await refusal(verifier.verify(bearer(none), activity))).code).toBe('TEAMS_SERVICE_URL_MISMATCH');
    const good = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl });
    expect((await refusal(verifier.verify(bearer(good), { ...activity, serviceUrl: 'https://attacker.example/' }))).code).toBe('TEAMS_SERVICE_URL_MISMATCH');
  });

  it('refuses a key not endorsed for the activity channel', async () => {
    const token = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl });
    expect(await refusal(verifier.verify(bearer(token), { ...activity, channelId: 'webchat' }))).toEqual({ status: 401, code: 'TEAMS_TOKEN_INVALID' });
  });

  it('refuses a missing or malformed Authorization header, and an unsigned token', async () => {
    expect(await refusal(verifier.verify(undefined, activity))).toEqual({ status: 401, code: 'TEAMS_TOKEN_MISSING' });
    expect(await refusal(verifier.verify('', activity))).toEqual({ status: 401, code: 'TEAMS_TOKEN_MISSING' });
    expect((await refusal(verifier.verify('Basic abc', activity))).code).toBe('TEAMS_TOKEN_INVALID');
    const good = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl });
    const [, payload] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.x`;
    expect((await refusal(verifier.verify(bearer(none), activity))).code).toBe('TEAMS_TOKEN_INVALID');
  });

  it('answers 503 when the OpenID metadata cannot be read (our problem, not the caller’s)', async () => {
    const broken = new BotFrameworkTokenVerifier({ openIdMetadataUrl: 'http://127.0.0.1:9/nothing', issuer: 'https://api.botframework.com', appId: APP_ID, timeoutMs: 500 });
    const token = await teams.mintInboundToken({ appId: APP_ID, serviceUrl: teams.serviceUrl });
    expect(await refusal(broken.verify(bearer(token), activity))).toEqual({ status: 503, code: 'TEAMS_KEYS_UNAVAILABLE' });
    // The header is checked first: no metadata fetch for a request without a token.
    expect((await refusal(broken.verify(undefined, activity))).code).toBe('TEAMS_TOKEN_MISSING');
  });
});
