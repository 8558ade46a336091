import { createEvent, IntentApprovedV1, IntentClassifiedV1 } from '@countersign/contracts';
import { describe, expect, it } from 'vitest';
import { issueGrantCommand } from './issue-grant.command.js';

const envelope = {
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  intentId: '01890a5d-ac96-774b-bcce-b302099a8058',
  actor: { kind: 'service' as const, id: 'policy' },
};
const terms = { audience: 'db-proxy', claimTtlSeconds: 300, useTtlSeconds: 60 };
const classified = (decision: 'allow' | 'deny' | 'review', grant?: typeof terms) =>
  createEvent(IntentClassifiedV1, {
    ...envelope,
    data: { intentHash: 'c'.repeat(64), decision, policyVersion: 'd'.repeat(64), ruleIds: [], reasons: [], ...(grant ? { grant } : {}) },
  });

describe('issueGrantCommand', () => {
  it('issues for an allow with terms and for an approval', () => {
    expect(issueGrantCommand(classified('allow', terms))).toEqual({
      eventId: envelope.id,
      intentId: envelope.intentId,
      intentHash: 'c'.repeat(64),
      terms,
    });
    const approved = createEvent(IntentApprovedV1, {
      ...envelope,
      data: { reviewId: envelope.intentId, intentHash: 'c'.repeat(64), grant: terms, approvers: ['alice', 'bob'] },
    });
    expect(issueGrantCommand(approved)).toMatchObject({ intentId: envelope.intentId, terms });
  });

  it('skips deny, review and an allow without terms', () => {
    expect(issueGrantCommand(classified('deny', terms))).toEqual({ skip: 'decision deny' });
    expect(issueGrantCommand(classified('review'))).toEqual({ skip: 'decision review' });
    expect(issueGrantCommand(classified('allow'))).toEqual({ skip: 'allowed without grant terms' });
  });
});
