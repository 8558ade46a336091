import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimGrant } from './claim-grant.js';
import { BrokerRequestError, CredentialUnavailableError, GrantAlreadyUsedError, GrantExpiredError, NotGrantRequesterError } from './errors.js';
import { redeemGrant } from './redeem-grant.js';
import { json, startServer, type TestServer } from './test-server.spec.js';

const GRANT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA';
const redeemed = { intentId: '01890a5d-ac96-774b-bcce-b302099a8057', action: 'db.export', resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] }, intentHash: 'a'.repeat(64) };
let server: TestServer;
let next: { status: number; body: unknown; headers?: Record<string, string>; raw?: string };

beforeAll(async () => {
  server = await startServer((_path, res) => {
    if (next.raw !== undefined) {
      res.writeHead(next.status);
      res.end(next.raw);
    } else json(res, next.status, next.body, next.headers);
  });
});
afterAll(() => server?.close());

async function failure(p: Promise<unknown>): Promise<BrokerRequestError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(BrokerRequestError);
  return e as BrokerRequestError;
}

describe('redeemGrant and claimGrant', () => {
  it('POST the documented bodies (keeping a path prefix) and return the parsed answers', async () => {
    next = { status: 200, body: redeemed };
    await expect(redeemGrant(GRANT, { brokerUrl: `${server.url}/countersign`, audience: 'db-proxy' })).resolves.toEqual(redeemed);
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: '/countersign/v1/grants/redeem', body: JSON.stringify({ grant: GRANT, audience: 'db-proxy' }) });
    const claimed = { grant: GRANT, expiresAt: '2026-01-01T00:01:00.000Z', audience: 'db-proxy', jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c7d', credential: { kind: 'signed-grant', secret: GRANT } };
    next = { status: 200, body: claimed };
    await expect(claimGrant(redeemed.intentId, { brokerUrl: server.url, token: 'bearer-token' })).resolves.toEqual(claimed);
    expect(server.requests.at(-1)).toMatchObject({ path: '/v1/grants/claim', headers: { authorization: 'Bearer bearer-token' } });
  });

  it('throws one error class per broker code, with status and Retry-After, never quoting the grant', async () => {
    const cases: Array<[number, string, new (...a: never[]) => BrokerRequestError]> = [
      [409, 'GRANT_ALREADY_USED', GrantAlreadyUsedError],
      [410, 'GRANT_EXPIRED', GrantExpiredError],
      [403, 'NOT_GRANT_REQUESTER', NotGrantRequesterError],
    ];
    for (const [status, c, type] of cases) {
      next = { status, body: { error: { code: c, message: 'refused' } } };
      const e = await failure(redeemGrant(GRANT, { brokerUrl: server.url, audience: 'db-proxy' }));
      expect([e instanceof type, e.code, e.status]).toEqual([true, c, status]);
    }
    next = { status: 503, body: { error: { code: 'CREDENTIAL_UNAVAILABLE', message: 'later' } }, headers: { 'retry-after': '5' } };
    const later = await failure(redeemGrant(GRANT, { brokerUrl: server.url, audience: 'db-proxy' }));
    expect([later instanceof CredentialUnavailableError, later.retryAfterSeconds]).toEqual([true, 5]);
    next = { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'no token' } } };
    const other = await failure(claimGrant(redeemed.intentId, { brokerUrl: server.url, token: 'x' }));
    expect([other.constructor, other.code]).toEqual([BrokerRequestError, 'UNAUTHENTICATED']);
    expect(later.message + other.message).not.toContain('c2lnbmF0dXJlLXNlY3JldA');
  });

  it('says BROKER_UNAVAILABLE without an answer or on a bare 5xx, UNEXPECTED_RESPONSE on an undocumented answer', async () => {
    expect((await failure(redeemGrant(GRANT, { brokerUrl: 'http://127.0.0.1:1', audience: 'a' }))).code).toBe('BROKER_UNAVAILABLE');
    next = { status: 502, body: null, raw: '<html>bad gateway</html>' };
    expect((await failure(redeemGrant(GRANT, { brokerUrl: server.url, audience: 'a' }))).code).toBe('BROKER_UNAVAILABLE');
    next = { status: 200, body: { ok: true } };
    expect((await failure(redeemGrant(GRANT, { brokerUrl: server.url, audience: 'a' }))).code).toBe('UNEXPECTED_RESPONSE');
  });
});
