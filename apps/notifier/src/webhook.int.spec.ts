import { jetstream } from '@nats-io/jetstream';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentRejectedV1, ReviewRequestedV1 } from '@countersign/contracts';
import { expectEventually } from '@countersign/testing';
import { found, MASKED, one, pause, POLICY_URL, startHarness, type Harness } from './notifier-harness.spec.js';
import { ownerSignedJson } from '@countersign/platform/event-keys';

describe('notifier webhook channel (real NATS + Postgres, a receiver verifying Standard Webhooks signatures)', () => {
  let h: Harness;
  const hook = () => found(h.webhook);
  const forReview = (type: string, reviewId: string) => hook().ofType(type).filter((d) => (d.payload['review'] as { id: string }).id === reviewId);
  const callsFor = (reviewId: string) => hook().calls.filter((c) => c.body.includes(reviewId));

  beforeAll(async () => {
    h = await startHarness({ name: 'webhook', webhook: true });
  });
  afterAll(() => h?.close());

  it('POSTs one signed review.requested with the masked review and the API vote URL, and announces it', async () => {
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    const d = await expectEventually(() => one(forReview('review.requested', requested.data.reviewId)));
    const row = await expectEventually(async () => {
      const r = await h.delivery(requested.data.reviewId, 'webhook');
      expect(r.status).toBe('delivered');
      return r;
    });
    expect(d.id).toBe(row.external_ref);
    expect(d.payload).toMatchObject({
      type: 'review.requested',
      voteUrl: `${POLICY_URL}/v1/reviews/${requested.data.reviewId}/votes`,
      review: {
        id: requested.data.reviewId,
        intentId: requested.intentId,
        action: 'db.export',
        args: { query: MASKED, format: 'csv' },
        masked: [{ path: 'args.query', reason: 'path:args.query' }],
        requirement: { approverGroups: ['security'], quorum: 2 },
        requester: { subject: 'ci-deployer' },
      },
    });
    // The raw request verifies with the reference library, as any consumer would check it.
    const call = one(callsFor(requested.data.reviewId));
    const headers = { 'webhook-id': String(call.headers['webhook-id']), 'webhook-timestamp': String(call.headers['webhook-timestamp']), 'webhook-signature': String(call.headers['webhook-signature']) };
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => new Webhook(h.webhookSecret).verify(call.body, headers)).not.toThrow();
    expect(() => new Webhook(h.webhookSecret).verify(call.body.replace('quarterly', 'Quarterly'), headers)).toThrow();
    expect(call.headers['content-type']).toBe('application/json');
    await expectEventually(() => expect(h.events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId).map((e) => e.data.channel).sort()).toEqual(['console', 'webhook']));
  });

  it('never POSTs twice for a redelivered review.requested', async () => {
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    await expectEventually(() => one(forReview('review.requested', requested.data.reviewId)));
    await jetstream(h.nc).publish(ReviewRequestedV1.subject, ownerSignedJson(requested), { msgID: `${requested.id}-again` });
    await expectEventually(() => expect(h.events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'console').length).toBeGreaterThanOrEqual(2));
    await pause(400);
    expect(callsFor(requested.data.reviewId)).toHaveLength(1);
  });

  it('retries with backoff while the receiver is down and delivers once, under one webhook-id, when it is back', async () => {
    hook().failNext(1, { kind: 'status', status: 500 });
    hook().failNext(1, { kind: 'close' });
    hook().failNext(1, { kind: 'status', status: 429 });
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    const d = await expectEventually(() => one(forReview('review.requested', requested.data.reviewId)));
    const attempts = callsFor(requested.data.reviewId);
    expect(attempts.map((c) => c.status)).toEqual([500, 0, 429, 204]);
    // Every attempt is the same message (same id), each signed for its own send time, and each verifies.
    expect(new Set(attempts.map((c) => c.headers['webhook-id']))).toEqual(new Set([d.id]));
    expect(attempts.every((c) => c.verified || c.status === 0)).toBe(true);
    await expectEventually(async () => expect(await h.delivery(requested.data.reviewId, 'webhook')).toMatchObject({ status: 'delivered', attempts: 0, last_error: null, next_attempt_at: null }));
    await pause(300);
    expect(forReview('review.requested', requested.data.reviewId)).toHaveLength(1);
  });

  it('stops for good when the receiver answers 410 Gone', async () => {
    hook().failNext(1, { kind: 'status', status: 410 });
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    await expectEventually(async () => expect(await h.delivery(requested.data.reviewId, 'webhook')).toMatchObject({ status: 'failed', next_attempt_at: null, last_error: expect.stringContaining('410') }));
    await h.publisher.publish(h.expiring(requested));
    await pause(500);
    expect(callsFor(requested.data.reviewId)).toHaveLength(1);
    expect(h.events('review.notified').filter((e) => e.data.reviewId === requested.data.reviewId && e.data.channel === 'webhook')).toHaveLength(0);
  });

  it('POSTs review.decided with the outcome once the intent is rejected', async () => {
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    await expectEventually(() => one(forReview('review.requested', requested.data.reviewId)));
    const rejected = createEvent(IntentRejectedV1, {
      id: h.ids.next(), occurredAt: new Date(), intentId: requested.intentId, actor: { kind: 'service', id: 'policy' },
      data: { reviewId: requested.data.reviewId, intentHash: 'a'.repeat(64), reason: 'dana: not during the freeze' },
    });
    await h.publisher.publish(rejected);
    const d = await expectEventually(() => one(forReview('review.decided', requested.data.reviewId)));
    expect(d.id).toBe(rejected.id);
    expect(d.payload).toMatchObject({ outcome: { kind: 'rejected', decidedBy: [], reason: 'dana: not during the freeze' } });
  });

  it('POSTs review.reminder and review.escalated, retried until the receiver takes them', async () => {
    const requested = h.reviewRequested();
    await h.publisher.publish(requested);
    await expectEventually(() => one(forReview('review.requested', requested.data.reviewId)));
    hook().failNext(2, { kind: 'status', status: 503 });
    await h.publisher.publish(h.expiring(requested));
    await h.publisher.publish(h.escalated(requested, ['sre-leads']));
    await expectEventually(() => {
      expect(forReview('review.reminder', requested.data.reviewId).map((d) => d.payload['notice'])).toEqual([{ expiresAt: requested.data.expiresAt }]);
      expect(forReview('review.escalated', requested.data.reviewId).map((d) => d.payload['notice'])).toEqual([{ afterSeconds: 1800, groups: ['sre-leads'] }]);
    });
    // The receiver has the POST a moment before notifier records its answer: wait for that too.
    const rows = await expectEventually(async () => {
      const { rows } = await h.sql.query('SELECT id, kind, status FROM notifier.notices WHERE review_id = $1 ORDER BY kind', [requested.data.reviewId]);
      expect(rows.map((r: { kind: string; status: string }) => [r.kind, r.status])).toEqual([['escalated', 'sent'], ['reminder', 'sent']]);
      return rows;
    });
    expect(forReview('review.reminder', requested.data.reviewId)[0]?.id).toBe(rows.find((r: { kind: string }) => r.kind === 'reminder')?.id);
  });

  it('never logs the webhook secret', () => {
    expect(h.logLines.join('\n')).not.toContain(h.webhookSecret.slice(6));
  });
});
