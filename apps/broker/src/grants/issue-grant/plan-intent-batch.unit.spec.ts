import { createEvent, IntentApprovedV1, IntentClassifiedV1, IntentRejectedV1, IntentSubmittedV1, type Intent } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { firstPerKey, planIntentBatch } from './plan-intent-batch.js';

const terms = { audience: 'db-proxy', claimTtlSeconds: 300, useTtlSeconds: 60 };
const actor = { kind: 'service' as const, id: 'policy' };
const intent: Intent = {
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
  args: { table: 'customers' },
  justification: 'test',
  requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:test', groups: [] },
};
const hash = intentHash(intent);

const submitted = (intentId: string | null, h = hash) =>
  createEvent(IntentSubmittedV1, { id: uuidv7(), occurredAt: new Date(), intentId, actor, data: { intent, intentHash: h } });
const classified = (intentId: string, decision: 'allow' | 'deny') =>
  createEvent(IntentClassifiedV1, {
    id: uuidv7(), occurredAt: new Date(), intentId, actor,
    data: { intentHash: hash, decision, policyVersion: 'e'.repeat(64), ruleIds: [], reasons: [], grant: terms },
  });

describe('planIntentBatch', () => {
  it('sorts a batch into intents to record, grants to issue and events that change nothing', () => {
    const a = uuidv7();
    const b = uuidv7();
    const ok = submitted(a);
    const forged = submitted(b, 'f'.repeat(64));
    const orphan = submitted(null);
    const allow = classified(a, 'allow');
    const deny = classified(b, 'deny');
    const approved = createEvent(IntentApprovedV1, {
      id: uuidv7(), occurredAt: new Date(), intentId: b, actor,
      data: { reviewId: uuidv7(), intentHash: hash, grant: terms, approvers: ['alice'] },
    });
    const rejected = createEvent(IntentRejectedV1, { id: uuidv7(), occurredAt: new Date(), intentId: b, actor, data: { reviewId: uuidv7(), intentHash: hash } });
    const plan = planIntentBatch([ok, forged, orphan, allow, deny, approved, rejected]);
    expect(plan.records).toEqual([
      {
        eventId: ok.id,
        record: { intentId: a, intentHash: hash, requesterSubject: 'ci-deployer', requesterIssuer: 'urn:test', action: 'db.export', resource: intent.resource, args: { table: 'customers' } },
      },
    ]);
    expect(plan.commands).toEqual([
      { eventId: allow.id, intentId: a, intentHash: hash, terms, position: 3 },
      { eventId: approved.id, intentId: b, intentHash: hash, terms, position: 5 },
    ]);
    // A deny or a rejection closes the intent for good; the statement keeps grants behind them from being issued.
    expect(plan.closures).toEqual([
      { eventId: deny.id, intentId: b, reason: 'denied', position: 4 },
      { eventId: rejected.id, intentId: b, reason: 'rejected', position: 6 },
    ]);
    expect(plan.ignored.map((i) => [i.eventId, i.level])).toEqual([
      [forged.id, 'error'],
      [orphan.id, 'error'],
    ]);
  });

  it('firstPerKey keeps the first item per key, in order', () => {
    expect(firstPerKey([{ k: 'x', n: 1 }, { k: 'y', n: 2 }, { k: 'x', n: 3 }], (i) => i.k).map((i) => i.n)).toEqual([1, 2]);
  });
});
