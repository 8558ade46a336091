import { createEvent, GrantIssuedV1, IntentClassifiedV1, ReviewNotifiedV1 } from '@countersign/contracts';
import { describe, expect, it } from 'vitest';
import { lifecycleOf, patchFor } from './lifecycle.js';

const base = {
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  intentId: '01890a5d-ac96-774b-bcce-b302099a8058',
  actor: { kind: 'service' as const, id: 'policy' },
};
const hash = 'a'.repeat(64);

describe('read model mapping', () => {
  it('maps classified events with their decision and details', () => {
    const e = createEvent(IntentClassifiedV1, {
      ...base,
      data: { intentHash: hash, decision: 'review', policyVersion: hash, ruleIds: ['r1'], reasons: ['prod export'] },
    });
    expect(lifecycleOf(e)).toEqual({ type: 'intent.classified', decision: 'review' });
    expect(patchFor(e)).toEqual({ decision: 'review', reasons: ['prod export'], ruleIds: ['r1'], policyVersion: hash });
  });

  it('records grant ids from grant.issued', () => {
    const e = createEvent(GrantIssuedV1, {
      ...base,
      data: { grantId: base.intentId, jti: base.id, intentHash: hash, audience: 'db', claimBy: '2026-01-01T00:05:00.000Z' },
    });
    expect(lifecycleOf(e)).toEqual({ type: 'grant.issued' });
    expect(patchFor(e)).toEqual({ grantId: base.intentId, grantJti: base.id, claimBy: new Date('2026-01-01T00:05:00Z') });
  });

  it('ignores events that do not move an intent', () => {
    const e = createEvent(ReviewNotifiedV1, {
      ...base,
      data: { reviewId: base.id, channel: 'slack', deliveryId: base.intentId },
    });
    expect(lifecycleOf(e)).toBeNull();
  });
});
