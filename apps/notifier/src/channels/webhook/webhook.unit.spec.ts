import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '@countersign/platform/runtime';
import { newWebhookSecret, startFakeWebhook, type FakeWebhook } from '@countersign/testing';
import { PermanentDeliveryError, type ChannelReview } from '../review-channel.js';
import { voteUrlOf } from './webhook-payload.js';
import { WebhookChannel, WebhookDeliveryError } from './webhook.channel.js';
import { WebhookSigner } from './webhook-signer.js';

const secret = newWebhookSecret();
const clock: Clock = { now: () => new Date() };
const reviewId = '0190f5a0-1111-7000-8000-000000000001';
const token = '[masked:path:3f9a0c1d2e4b5a6c7d8e]';

const review: ChannelReview = {
  reviewId,
  intentId: '0190f5a0-2222-7000-8000-000000000002',
  deliveryId: '0190f5a0-3333-7000-8000-000000000003',
  nonce: 'Zm9vYmFyYmF6cXV4cXV1eA',
  votes: [],
  approvals: 0,
  quorum: 1,
  review: {
    reviewId,
    intentHash: 'a'.repeat(64),
    kind: 'approval',
    requirement: { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600, escalation: [], stepUp: false, breakGlass: false },
    expiresAt: '2026-11-22T11:00:00.000Z',
    intent: {
      action: 'db.export',
      resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
      args: { query: token },
      justification: 'churn report',
      requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:countersign:dev-issuer', groups: [] },
    },
    masked: [{ path: 'args.query', reason: 'path:args.query' }],
    ruleIds: [],
    reasons: [],
    tags: [],
  },
};

describe('WebhookSigner (Standard Webhooks)', () => {
  const body = JSON.stringify({ type: 'review.requested', review: { id: reviewId } });
  const at = new Date();

  it("signs what the reference library's verifier accepts", () => {
    const headers = WebhookSigner.fromSecret(secret).sign('msg_1', at, body);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('is HMAC-SHA256 over "<id>.<timestamp>.<body>" with the secret bytes, base64, as the convention spells it', () => {
    const headers = WebhookSigner.fromSecret(secret).sign('msg_2', at, body);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_2.${headers['webhook-timestamp']}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('fails verification for a tampered body, another id, another timestamp or another secret', () => {
    const headers = WebhookSigner.fromSecret(secret).sign('msg_3', at, body);
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(body.replace('requested', 'decided'), { ...headers })).toThrow(/signature/i);
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_4' })).toThrow(/signature/i);
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) })).toThrow(/signature/i);
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow(/signature/i);
  });

  it('refuses a secret that is not whsec_ + base64 of 24–64 bytes, without printing it', () => {
    for (const bad of ['', 'plain-secret', 'whsec_', `whsec_${Buffer.alloc(16).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_not base64!']) {
      expect(() => WebhookSigner.fromSecret(bad)).toThrow(/^WEBHOOK_SECRET_FILE must hold a Standard Webhooks secret/);
    }
    const signer = WebhookSigner.fromSecret(secret);
    expect(`${String(signer)} ${JSON.stringify({ signer })}`).not.toContain(secret.slice(6, 20));
  });
});

describe('WebhookChannel (against a receiver that verifies like a real consumer)', () => {
  let receiver: FakeWebhook;
  let channel: WebhookChannel;

  beforeAll(async () => {
    receiver = await startFakeWebhook({ secret });
    channel = new WebhookChannel(WebhookSigner.fromSecret(secret), { url: receiver.url, timeoutMs: 1000, policyPublicUrl: 'https://policy.example/' }, clock);
  });
  afterAll(() => receiver?.stop());

  it('posts review.requested with the masked review and the vote URL, under the delivery id', async () => {
    expect(await channel.post(review)).toBe(review.deliveryId);
    const d = receiver.ofType('review.requested').at(-1);
    expect(d?.id).toBe(review.deliveryId);
    expect(d?.payload).toMatchObject({
      type: 'review.requested',
      voteUrl: `https://policy.example/v1/reviews/${reviewId}/votes`,
      review: { id: reviewId, action: 'db.export', args: { query: token }, masked: [{ path: 'args.query' }], requirement: { quorum: 1 } },
    });
    expect(JSON.stringify(d?.payload)).not.toContain(review.nonce);
  });

  it('posts review.decided, review.reminder and review.escalated with stable ids', async () => {
    await channel.showOutcome(review.deliveryId, { review, kind: 'approved', decidedBy: ['bob'], eventId: '0190f5a0-4444-7000-8000-000000000004' });
    await channel.notify(review.deliveryId, { id: '0190f5a0-5555-7000-8000-000000000005', kind: 'reminder', expiresAt: review.review.expiresAt, review });
    await channel.notify(review.deliveryId, { id: '0190f5a0-6666-7000-8000-000000000006', kind: 'escalated', afterSeconds: 1800, groups: ['sre'], review });
    expect(receiver.ofType('review.decided').at(-1)).toMatchObject({ id: '0190f5a0-4444-7000-8000-000000000004', payload: { outcome: { kind: 'approved', decidedBy: ['bob'] } } });
    expect(receiver.ofType('review.reminder').at(-1)).toMatchObject({ id: '0190f5a0-5555-7000-8000-000000000005', payload: { notice: { expiresAt: review.review.expiresAt } } });
    expect(receiver.ofType('review.escalated').at(-1)).toMatchObject({ payload: { notice: { afterSeconds: 1800, groups: ['sre'] } } });
  });

  it('fails (to be retried) on a non-2xx answer or a closed connection, and stops for good on 410 Gone', async () => {
    receiver.failNext(1, { kind: 'status', status: 503 });
    await expect(channel.post(review)).rejects.toBeInstanceOf(WebhookDeliveryError);
    receiver.failNext(1, { kind: 'close' });
    await expect(channel.post(review)).rejects.toThrow(/webhook review.requested failed/);
    receiver.failNext(1, { kind: 'status', status: 410 });
    await expect(channel.post(review)).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it('builds the vote URL from the policy service address', () => {
    expect(voteUrlOf('http://127.0.0.1:3002', reviewId)).toBe(`http://127.0.0.1:3002/v1/reviews/${reviewId}/votes`);
  });
});
