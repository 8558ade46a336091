import { ownerSigner } from '@countersign/platform/event-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, IntentWithdrawnV1, type Intent } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { DEV_ISSUER } from '@countersign/platform/auth';
import { EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { expectEventually } from '@countersign/testing';
import { startPolicyHarness, type PolicyHarness } from '../../policy-harness.spec.js';

// intent.withdrawn against the policy service (real NATS + Postgres): reviews close, shared ones let go.
const ids = new UuidV7Generator();
const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
rules:
  - id: exports
    match: { action: [db.export] }
    effect: review
    approvers: [security]
`;
const requester = { kind: 'pipeline' as const, subject: 'ci-deployer', issuer: DEV_ISSUER, groups: ['pipelines'] };
let h: PolicyHarness;
let publisher: EventPublisher;

function submitted(copy: string) {
  const intent: Intent = { action: 'db.export', resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] }, args: { copy }, justification: 'withdraw test', requester };
  return createEvent(IntentSubmittedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId: ids.next(),
    actor: { kind: 'pipeline', id: 'ci-deployer', issuer: DEV_ISSUER },
    data: { intent, intentHash: intentHash(intent) },
  });
}

const withdrawn = (intentId: string) =>
  createEvent(IntentWithdrawnV1, { id: ids.next(), occurredAt: new Date(), intentId, actor: { kind: 'pipeline', id: 'ci-deployer', issuer: DEV_ISSUER }, data: { reason: 'not needed' } });

async function reviewRow(intentId: string): Promise<{ id: string; state: string; intents: string[] }> {
  return expectEventually(async () => {
    const { rows } = await h.sql.query<{ id: string; state: string; intents: string[] }>(
      `SELECT r.id, r.state, (SELECT array_agg(ri2.intent_id::text) FROM policy.review_intents ri2 WHERE ri2.review_id = r.id) AS intents
         FROM policy.reviews r WHERE r.intent_id = $1 OR r.id IN (SELECT review_id FROM policy.review_intents WHERE intent_id = $1)`,
      [intentId],
    );
    expect(rows[0]).toBeDefined();
    return rows[0]!;
  });
}

const concluded = (reviewId: string) => h.seen.filter((e) => e.type === 'review.concluded' && e.data.reviewId === reviewId);

beforeAll(async () => {
  h = await startPolicyHarness({ database: 'cs_policy_withdraw', policyFiles: { 'policy.yaml': POLICY } });
  publisher = new EventPublisher(h.nc, h.logger, ownerSigner());
});
afterAll(async () => {
  await h?.stop();
});

describe('policy on intent.withdrawn', () => {
  it('lets one of two identical intents go from their shared review, then closes it when the last is withdrawn; votes are refused after', async () => {
    const [a, b] = [submitted('same'), submitted('same')];
    await publisher.publishAll([a, b]);
    const shared = await expectEventually(async () => {
      const r = await reviewRow(a.intentId!);
      expect(r.intents).toHaveLength(2);
      return r;
    });
    const first = withdrawn(a.intentId!);
    await publisher.publish(first);
    await expectEventually(async () => expect((await reviewRow(b.intentId!)).intents).toEqual([b.intentId]));
    expect((await reviewRow(b.intentId!)).state).toBe('pending');
    expect(concluded(shared.id)).toHaveLength(0);

    const last = withdrawn(b.intentId!);
    await publisher.publish(last);
    await expectEventually(() => expect(concluded(shared.id)).toHaveLength(1));
    expect(concluded(shared.id)[0]).toMatchObject({ causationId: last.id, data: { kind: 'approval', outcome: 'withdrawn', reason: 'withdrawn by ci-deployer: not needed' } });
    expect((await reviewRow(b.intentId!)).state).toBe('withdrawn');
    const vote = await fetch(`${h.baseUrl}/v1/reviews/${shared.id}/votes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.issuer.mint({ name: 'bob', kind: 'user', groups: ['security'], scopes: ['reviews:vote'] })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect([vote.status, ((await vote.json()) as { error: { code: string } }).error.code]).toEqual([409, 'REVIEW_DECIDED']);
    // A redelivered withdrawal changes nothing and publishes nothing more.
    await publisher.publish({ ...last, id: ids.next() });
    await new Promise((r) => setTimeout(r, 300));
    expect(concluded(shared.id)).toHaveLength(1);
  });

  // Possible when intake stored an intent but could not publish it yet (503) and its requester withdrew it.
  it('handles a withdrawal that arrives before its intent is classified once the review exists', async () => {
    const s = submitted('early');
    await publisher.publish(withdrawn(s.intentId!));
    await publisher.publish(s);
    const review = await reviewRow(s.intentId!);
    await expectEventually(async () => expect((await reviewRow(s.intentId!)).state).toBe('withdrawn'), { timeoutMs: 15_000 });
    await expectEventually(() => expect(concluded(review.id)).toHaveLength(1));
  });
});
