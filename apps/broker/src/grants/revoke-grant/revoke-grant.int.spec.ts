import type { DemoIdentity } from '@countersign/platform/auth';
import { expectEventually } from '@countersign/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as harness from '../../broker-harness.spec.js';
import { requester, type BrokerHarness } from '../../broker-harness.spec.js';

// Revoking a grant through the running broker: who may, from which states, with what evidence, and that
// a revoked grant can be neither claimed nor redeemed.

const security: DemoIdentity = { name: 'bob', kind: 'user', groups: ['security'], scopes: ['grants:revoke'] };
const approverOnly: DemoIdentity = { name: 'dana', kind: 'user', groups: ['security'], scopes: ['reviews:vote'] };

let h: BrokerHarness;

beforeAll(async () => {
  h = await harness.startBroker({ name: 'broker_revoke' });
});

afterAll(async () => {
  await h?.close();
});

async function revoke(intentId: string, reason: unknown = 'credential leaked in a ticket', who: DemoIdentity = security) {
  return harness.post(h, '/v1/grants/revoke', { intentId, reason }, await h.issuer.mint(who));
}

async function revokedEvents(intentId: string) {
  return (await harness.streamEvents(h)).filter((m) => m.event.type === 'grant.revoked' && m.event.intentId === intentId).map((m) => m.event);
}

describe('POST /v1/grants/revoke', () => {
  it('revokes an issued grant: the claim is refused 410, and grant.revoked names who and why, once', async () => {
    const i = await harness.allowedIntent(h);
    const row = (await harness.grantRow(h, i.intentId))!;
    const res = await revoke(i.intentId);
    expect([res.status, res.body]).toEqual([200, { intentId: i.intentId, grantId: row['id'], jti: row['jti'], revokedFrom: 'issued' }]);
    expect((await harness.grantRow(h, i.intentId))!['state']).toBe('revoked');

    const claim = await harness.claim(h, i.intentId);
    expect([claim.status, claim.body['error'].code]).toEqual([410, 'GRANT_REVOKED']);
    const again = await revoke(i.intentId);
    expect([again.status, again.body['error'].code]).toEqual([410, 'GRANT_REVOKED']);

    await expectEventually(async () => {
      const events = await revokedEvents(i.intentId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actor: { kind: 'user', id: 'bob' },
        data: { grantId: row['id'], jti: row['jti'], intentHash: i.hash, reason: 'credential leaked in a ticket' },
      });
    });
  });

  it('revokes a claimed grant: the token handed out at claim no longer redeems', async () => {
    const i = await harness.allowedIntent(h);
    const claimed = await harness.claim(h, i.intentId);
    expect(claimed.status).toBe(200);
    expect((await revoke(i.intentId)).body['revokedFrom']).toBe('claimed');
    const redeemed = await harness.redeem(h, claimed.body['grant'] as string);
    expect([redeemed.status, redeemed.body['error'].code]).toEqual([410, 'GRANT_REVOKED']);
  });

  it('refuses a redeemed signed grant (nothing left to take back) with 409, and one that never existed with 404', async () => {
    const i = await harness.allowedIntent(h);
    const claimed = await harness.claim(h, i.intentId);
    expect((await harness.redeem(h, claimed.body['grant'] as string)).status).toBe(200);
    const used = await revoke(i.intentId);
    expect([used.status, used.body['error'].code]).toEqual([409, 'GRANT_ALREADY_USED']);
    expect((await harness.grantRow(h, i.intentId))!['state']).toBe('redeemed');
    const none = await revoke('01900000-0000-7000-8000-000000000000');
    expect([none.status, none.body['error'].code]).toEqual([404, 'GRANT_NOT_FOUND']);
  });

  it('needs the grants:revoke scope (the requester and approvers lack it) and a reason; nothing changes otherwise', async () => {
    const i = await harness.allowedIntent(h);
    for (const who of [requester, approverOnly]) {
      const res = await revoke(i.intentId, 'mine', who);
      expect([res.status, res.body['error'].code]).toEqual([403, 'SCOPE_MISSING']);
    }
    const noToken = await harness.post(h, '/v1/grants/revoke', { intentId: i.intentId, reason: 'x' });
    expect(noToken.status).toBe(401);
    // A missing reason (undefined is dropped from the JSON body), a blank one, an overlong one.
    for (const reason of [undefined, '   ', 'x'.repeat(2001)]) {
      const res = await harness.post(h, '/v1/grants/revoke', { intentId: i.intentId, reason }, await h.issuer.mint(security));
      expect(res.status).toBe(400);
      expect(res.body['error'].issues[0].path).toBe('reason');
    }
    const extra = await harness.post(h, '/v1/grants/revoke', { intentId: i.intentId, reason: 'r', requester: 'bob' }, await h.issuer.mint(security));
    expect(extra.status).toBe(400);
    expect((await harness.grantRow(h, i.intentId))!['state']).toBe('issued');
    expect(await revokedEvents(i.intentId)).toEqual([]);
  });

  it('of a claim and a revoke racing, the claim either wins before (and its token is then dead) or is refused', async () => {
    const i = await harness.allowedIntent(h);
    const [claim, revoked] = await Promise.all([harness.claim(h, i.intentId), revoke(i.intentId)]);
    expect(revoked.status).toBe(200);
    if (claim.status === 200) {
      expect(revoked.body['revokedFrom']).toBe('claimed');
      expect((await harness.redeem(h, claim.body['grant'] as string)).body['error'].code).toBe('GRANT_REVOKED');
    } else {
      expect([claim.status, claim.body['error'].code]).toEqual([410, 'GRANT_REVOKED']);
    }
  });
});
