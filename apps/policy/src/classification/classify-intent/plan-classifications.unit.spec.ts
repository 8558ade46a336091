import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, type Intent } from '@countersign/contracts';
import { hmacTokenizer, intentHash } from '@countersign/domain';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { loadPolicyDir } from '@countersign/policy-files';
import { planClassifications } from './plan-classifications.js';

const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../../policies/demo');
const ids = new UuidV7Generator();
const now = new Date('2026-03-01T12:00:00.000Z');
const tokenize = hmacTokenizer('unit-test-mask-key-of-32-bytes!!');

function submitted(action: string, env: string, intentId: string | null = ids.next()) {
  const intent: Intent = {
    action,
    resource: { kind: 'db', id: 'orders', env, tags: [] },
    args: {},
    justification: 'test',
    requester: { kind: 'pipeline', subject: 'ci', issuer: 'urn:test', groups: [] },
  };
  return createEvent(IntentSubmittedV1, {
    id: ids.next(),
    occurredAt: now,
    intentId,
    actor: { kind: 'pipeline', id: 'ci', issuer: 'urn:test' },
    data: { intent, intentHash: intentHash(intent) },
  });
}

describe('planClassifications', async () => {
  const { compiled: policy } = await loadPolicyDir(DEMO_DIR);

  it('plans one decision per intent, a review only for review decisions, outgoing in publish order', () => {
    const allow = submitted('db.query', 'dev');
    const review = submitted('db.export', 'prod');
    const { planned, withoutIntentId } = planClassifications([allow, review], { policy, now, ids, tokenize });
    expect(withoutIntentId).toEqual([]);
    expect(planned.map((p) => [p.eventId, p.decision.decision, p.outgoing.map((e) => e.type)])).toEqual([
      [allow.id, 'allow', ['intent.classified']],
      [review.id, 'review', ['intent.classified', 'review.requested']],
    ]);
    const r = planned[1]!;
    expect(r.review).toMatchObject({ intentId: review.intentId, expiresAt: new Date(now.getTime() + 3_600_000) });
    expect(r.outgoing[1]).toMatchObject({ causationId: r.outgoing[0]!.id, data: { reviewId: r.review!.id } });
    expect(r.outgoing[0]).toMatchObject({ causationId: review.id, data: { policyVersion: policy.version } });
    expect(planned[0]!.review).toBeUndefined();
  });

  it('keeps the first event per intent, skips events without an intent id, denies a forged hash', () => {
    const first = submitted('db.query', 'dev');
    const second = { ...submitted('db.drop_table', 'prod', first.intentId), id: ids.next() };
    const orphan = submitted('db.query', 'dev', null);
    const forged = submitted('db.query', 'dev');
    forged.data.intentHash = 'f'.repeat(64);
    const { planned, withoutIntentId } = planClassifications([first, second, orphan, forged], { policy, now, ids, tokenize });
    expect(planned.map((p) => p.eventId)).toEqual([first.id, forged.id]);
    expect(withoutIntentId).toEqual([orphan.id]);
    expect(planned[1]!.decision).toMatchObject({ decision: 'deny', reasons: [expect.stringMatching(/hash does not match/)] });
  });
});
