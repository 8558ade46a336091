import {
  AudienceMismatchError,
  claimGrant,
  GrantAlreadyClaimedError,
  GrantAlreadyUsedError,
  GrantNotFoundError,
  GrantTokenExpiredError,
  GrantVerificationError,
  NotGrantRequesterError,
  redeemGrant,
  verifyGrant,
} from '@countersign/sdk';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as harness from './broker-harness.spec.js';
import { requester, stranger, type BrokerHarness } from './broker-harness.spec.js';

// @countersign/sdk against the running broker: what a pipeline (claim) and a target that checks grants
// itself (verify, then redeem) do.

let h: BrokerHarness;
const audience = 'db-proxy';

beforeAll(async () => {
  h = await harness.startBroker({ name: 'broker_sdk' });
});
afterAll(async () => {
  await h?.close();
});

const jwksUrl = () => `${h.base}/.well-known/jwks.json`;
const asRequester = async () => ({ brokerUrl: h.base, token: await h.issuer.mint(requester) });

describe('@countersign/sdk against the broker', () => {
  it('claim → verify offline against the JWKS → redeem once', async () => {
    const i = await harness.allowedIntent(h);
    const claimed = await claimGrant(i.intentId, await asRequester());
    expect(claimed.credential).toEqual({ kind: 'signed-grant', secret: claimed.grant });

    const claims = await verifyGrant(claimed.credential.secret, { jwksUrl: jwksUrl(), audience, intentHash: i.hash });
    expect(claims).toMatchObject({ sub: 'ci-deployer', aud: audience, jti: claimed.jti, intent_id: i.intentId, action: 'db.export', resource: i.intent.resource });

    await expect(redeemGrant(claimed.grant, { brokerUrl: h.base, audience })).resolves.toEqual({
      intentId: i.intentId,
      action: 'db.export',
      resource: i.intent.resource,
      intentHash: i.hash,
    });
    // Verifying is offline and says nothing about use: only the broker's redeem is single-use.
    await expect(verifyGrant(claimed.grant, { jwksUrl: jwksUrl(), audience })).resolves.toMatchObject({ jti: claimed.jti });
    await expect(redeemGrant(claimed.grant, { brokerUrl: h.base, audience })).rejects.toBeInstanceOf(GrantAlreadyUsedError);
  });

  it('turns every refusal into its typed error', async () => {
    const i = await harness.allowedIntent(h);
    await expect(claimGrant(i.intentId, { brokerUrl: h.base, token: await h.issuer.mint(stranger) })).rejects.toBeInstanceOf(NotGrantRequesterError);
    await expect(claimGrant(uuidv7(), await asRequester())).rejects.toBeInstanceOf(GrantNotFoundError);
    const { grant } = await claimGrant(i.intentId, await asRequester());
    await expect(claimGrant(i.intentId, await asRequester())).rejects.toBeInstanceOf(GrantAlreadyClaimedError);

    const wrong = await verifyGrant(grant, { jwksUrl: jwksUrl(), audience: 'billing-api' }).catch((e: unknown) => e);
    expect([wrong instanceof GrantVerificationError, (wrong as GrantVerificationError).code]).toEqual([true, 'AUDIENCE_MISMATCH']);
    const otherIntent = await verifyGrant(grant, { jwksUrl: jwksUrl(), audience, intentHash: 'f'.repeat(64) }).catch((e: unknown) => e);
    expect((otherIntent as GrantVerificationError).code).toBe('INTENT_HASH_MISMATCH');
    await expect(redeemGrant(grant, { brokerUrl: h.base, audience: 'billing-api' })).rejects.toBeInstanceOf(AudienceMismatchError);
    try {
      h.clock.offsetMs = 61_000;
      await expect(redeemGrant(grant, { brokerUrl: h.base, audience })).rejects.toBeInstanceOf(GrantTokenExpiredError);
    } finally {
      h.clock.offsetMs = 0;
    }
    const late = await verifyGrant(grant, { jwksUrl: jwksUrl(), audience, currentDate: new Date(Date.now() + 61_000) }).catch((e: unknown) => e);
    expect((late as GrantVerificationError).code).toBe('GRANT_TOKEN_EXPIRED');
  });
});
