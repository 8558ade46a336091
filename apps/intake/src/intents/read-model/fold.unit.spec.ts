import {
  createEvent,
  GrantClaimedV1,
  GrantIssuedV1,
  IntentClassifiedV1,
  ReviewNotifiedV1,
  type CountersignEvent,
  type IntentState,
} from '@countersign/contracts';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { describe, expect, it } from 'vitest';
import { applicableOf, foldEvents } from './fold.js';

const ids = new UuidV7Generator();
const hash = 'a'.repeat(64);
const actor = { kind: 'service' as const, id: 'test' };
const a = ids.next();
const b = ids.next();

const classified = (intentId: string, decision: 'allow' | 'review' = 'allow', ruleIds = ['r1']) =>
  createEvent(IntentClassifiedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId,
    actor,
    data: { intentHash: hash, decision, policyVersion: hash, ruleIds, reasons: ['why'] },
  });
const issued = (intentId: string) =>
  createEvent(GrantIssuedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId,
    actor,
    data: { grantId: ids.next(), jti: ids.next(), intentHash: hash, audience: 'db', claimBy: '2026-01-01T00:05:00.000Z' },
  });
const claimed = (intentId: string) =>
  createEvent(GrantClaimedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId,
    actor,
    data: { grantId: ids.next(), jti: ids.next(), intentHash: hash, expiresAt: '2026-01-01T00:06:00.000Z', tokenSha256: hash },
  });

const fold = (states: Record<string, IntentState>, events: CountersignEvent[]) =>
  foldEvents(new Map(Object.entries(states)), applicableOf(events));

describe('foldEvents', () => {
  it('chains several events for one intent and keeps every column they filled', () => {
    const c = classified(a);
    const g = issued(a);
    const result = fold({ [a]: 'submitted', [b]: 'submitted' }, [c, classified(b, 'review'), g, claimed(a)]);
    expect(result.deferred).toEqual([]);
    expect(result.done).toHaveLength(4);
    expect(result.changes.get(a)).toEqual({
      state: 'claimed',
      patch: {
        decision: 'allow',
        reasons: ['why'],
        ruleIds: ['r1'],
        policyVersion: hash,
        grantId: g.data.grantId,
        grantJti: g.data.jti,
        claimBy: new Date('2026-01-01T00:05:00.000Z'),
      },
    });
    expect(result.changes.get(b)?.state).toBe('pending_review');
  });

  it('skips stale events and ignores events that move no intent', () => {
    const notified = createEvent(ReviewNotifiedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: a,
      actor,
      data: { reviewId: ids.next(), channel: 'slack', deliveryId: ids.next() },
    });
    expect(applicableOf([notified])).toEqual([]);
    const late = classified(a, 'review');
    const result = fold({ [a]: 'allowed' }, [late]);
    expect(result).toMatchObject({ changes: new Map(), stale: 1, deferred: [] });
    expect(result.done.map((i) => i.event)).toEqual([late]);
  });

  it('defers an early event with the later events of its intent, and lets other intents go on', async () => {
    const early = claimed(a);
    const after = issued(a);
    const other = classified(b);
    const result = fold({ [a]: 'submitted', [b]: 'submitted' }, [early, other, after]);
    expect(result.deferred.map((i) => i.event)).toEqual([early, after]);
    expect(result.done.map((i) => i.event)).toEqual([other]);
    expect([...result.changes.keys()]).toEqual([b]);
    expect(result.reasons).toEqual([expect.stringContaining('grant.claimed cannot follow submitted')]);
  });

  it('defers the events of an intent that is not stored yet', () => {
    const unknown = classified(b);
    const result = fold({ [a]: 'submitted' }, [unknown, classified(a)]);
    expect(result.deferred.map((i) => i.event)).toEqual([unknown]);
    expect(result.reasons).toEqual([expect.stringContaining(`intent ${b} is not in the read model yet`)]);
    expect(result.changes.get(a)?.state).toBe('allowed');
  });
});
