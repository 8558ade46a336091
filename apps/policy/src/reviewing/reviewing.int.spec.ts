import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, ReviewVoteCastV1, type Intent } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { DEV_ISSUER, type DemoIdentity } from '@countersign/platform/auth';
import { EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { expectEventually } from '@countersign/testing';
import { ownerSigner, ownerSignedJson } from '@countersign/platform/event-keys';
import { startPolicyHarness, type PolicyHarness } from '../policy-harness.spec.js';

const ids = new UuidV7Generator();

const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
rules:
  - id: two-groups
    match: { action: [db.export] }
    effect: review
    approvers: [security, platform]
    quorum: 2
    ttl: 1h
  - id: short
    match: { action: [db.vacuum] }
    effect: review
    approvers: [security]
    ttl: 2s
  - id: ladder
    match: { action: [kms.key.rotate] }
    effect: review
    approvers: [security]
    ttl: 1h
    escalation: [{ after: 1s, notify: [leads] }]
  - id: copies
    match: { action: [db.copy] }
    effect: review
    approvers: [security]
  - id: glass
    match: { action: [compute.instance.create] }
    effect: review
    approvers: [platform]
    breakGlass: true
`;

const who = (name: string, groups: string[], scopes = ['reviews:vote']): DemoIdentity => ({ name, kind: 'user', groups, scopes });
const bob = who('bob', ['security']);
const dana = who('dana', ['security']);
const alice = who('alice', ['platform']);
const lee = who('lee', ['leads']);
const mallory = who('mallory', ['marketing']);

describe('reviews: votes over the API and NATS, timers (real NATS + Postgres)', () => {
  let h: PolicyHarness;
  const forIntent = (intentId: string, type: string) => h.seen.filter((e) => e.intentId === intentId && e.type === type);

  beforeAll(async () => {
    h = await startPolicyHarness({ database: 'cs_reviewing', policyFiles: { 'policy.yaml': POLICY }, env: { POLICY_TIMER_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** `copy` names identical intents (they share a review); by default every intent is distinct. */
  function submittedEvent(action: string, requester: Partial<Intent['requester']> = {}, copy: string = ids.next()) {
    const intent: Intent = {
      action,
      resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] },
      args: { request: copy },
      justification: 'review test',
      requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: DEV_ISSUER, groups: ['pipelines'], owner: 'carl', ...requester },
    };
    return createEvent(IntentSubmittedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: intent.requester.kind, id: intent.requester.subject, issuer: DEV_ISSUER },
      data: { intent, intentHash: intentHash(intent) },
    });
  }

  /** Submits an intent and resolves with its review id once policy has opened the review. */
  async function openReview(action: string, requester: Partial<Intent['requester']> = {}) {
    const submitted = submittedEvent(action, requester);
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(submitted);
    const intentId = submitted.intentId!;
    const reviewId = await expectEventually(() => {
      const [requested] = forIntent(intentId, 'review.requested');
      expect(requested).toBeDefined();
      return (requested as { data: { reviewId: string } }).data.reviewId;
    });
    return { intentId, reviewId };
  }

  async function vote(reviewId: string, voter: DemoIdentity, body: Record<string, unknown>) {
    const res = await fetch(`${h.baseUrl}/v1/reviews/${reviewId}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.issuer.mint(voter)}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  }

  it('approves with quorum 2 from two people, one per required group, and publishes intent.approved once', async () => {
    const { intentId, reviewId } = await openReview('db.export');
    expect(await vote(reviewId, bob, { decision: 'approve' })).toMatchObject({ status: 200, body: { counted: true, state: 'pending', approvals: 1, quorum: 2 } });
    // A second security person does not satisfy platform.
    expect(await vote(reviewId, dana, { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'pending', approvals: 2 } });
    expect(await vote(reviewId, alice, { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'approved', approvals: 3 } });
    const [approved] = await expectEventually(() => {
      const events = forIntent(intentId, 'intent.approved');
      expect(events).toHaveLength(1);
      return events;
    });
    expect(approved).toMatchObject({
      actor: { kind: 'service', id: 'policy' },
      data: { reviewId, approvers: ['bob', 'dana', 'alice'], breakGlass: false, grant: { audience: 'db:prod/orders' } },
    });
    await expectEventually(() => {
      expect(forIntent(intentId, 'review.vote_cast')).toHaveLength(3);
      expect(forIntent(intentId, 'review.vote_recorded').map((e) => (e as { data: { voter: { subject: string } } }).data.voter.subject)).toEqual(['bob', 'dana', 'alice']);
    });
    expect(await vote(reviewId, who('erin', ['platform']), { decision: 'approve' })).toMatchObject({ status: 409, body: { error: { code: 'REVIEW_DECIDED' } } });
    // The review as a reviewer sees it: masked view, votes, and nothing for someone without a reason to look.
    const get = async (as: DemoIdentity) => {
      const res = await fetch(`${h.baseUrl}/v1/reviews/${reviewId}`, { headers: { authorization: `Bearer ${await h.issuer.mint(as)}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await get(bob)).toMatchObject({
      status: 200,
      body: {
        id: reviewId,
        kind: 'approval',
        state: 'approved',
        intentIds: [intentId],
        requirement: { approverGroups: ['platform', 'security'], quorum: 2 },
        votes: [{ subject: 'bob' }, { subject: 'dana' }, { subject: 'alice' }],
        view: { intent: { action: 'db.export' }, ruleIds: ['two-groups'] },
      },
    });
    expect((await get(who('outsider', ['marketing'], []))).status).toBe(404);
  });

  it('refuses a second click, the requester, the owner and a non-member, each recorded as a refusal', async () => {
    const { intentId, reviewId } = await openReview('db.export', { kind: 'user', subject: 'dave', groups: ['security'], owner: undefined });
    expect((await vote(reviewId, bob, { decision: 'approve' })).status).toBe(200);
    expect(await vote(reviewId, bob, { decision: 'approve' })).toMatchObject({ status: 409, body: { error: { code: 'ALREADY_VOTED' } } });
    expect(await vote(reviewId, who('dave', ['security']), { decision: 'approve' })).toMatchObject({ status: 403, body: { error: { code: 'SELF_APPROVAL' } } });
    expect(await vote(reviewId, mallory, { decision: 'approve' })).toMatchObject({ status: 403, body: { error: { code: 'NOT_APPROVER' } } });
    const owned = await openReview('db.export');
    expect(await vote(owned.reviewId, who('carl', ['security']), { decision: 'approve' })).toMatchObject({ status: 403, body: { error: { code: 'OWNER_APPROVAL' } } });
    await expectEventually(() =>
      expect(forIntent(intentId, 'review.vote_refused').map((e) => (e as { data: { code: string } }).data.code)).toEqual(['ALREADY_VOTED', 'SELF_APPROVAL', 'NOT_APPROVER']),
    );
    expect(await vote(reviewId, alice, { decision: 'approve', requester: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect((await vote(reviewId, who('nobody', ['security'], []), { decision: 'approve' })).status).toBe(403);
  });

  it('one reject with a reason ends the review; a reject without a reason is refused', async () => {
    const { intentId, reviewId } = await openReview('db.export');
    expect(await vote(reviewId, bob, { decision: 'reject' })).toMatchObject({ status: 400, body: { error: { code: 'REASON_REQUIRED' } } });
    expect(await vote(reviewId, bob, { decision: 'reject', reason: 'wrong table' })).toMatchObject({ status: 200, body: { state: 'rejected' } });
    await expectEventually(() => expect(forIntent(intentId, 'intent.rejected')).toMatchObject([{ data: { reviewId, reason: 'bob: wrong table' } }]));
    expect(forIntent(intentId, 'intent.approved')).toEqual([]);
  });

  it('reminds before expiry, expires at the ttl, and refuses a vote after it', async () => {
    const { intentId, reviewId } = await openReview('db.vacuum');
    await expectEventually(() => expect(forIntent(intentId, 'review.expiring')).toHaveLength(1), { timeoutMs: 5_000 });
    await expectEventually(() => expect(forIntent(intentId, 'intent.expired')).toMatchObject([{ data: { reviewId } }]), { timeoutMs: 5_000 });
    expect(await vote(reviewId, bob, { decision: 'approve' })).toMatchObject({ status: 410, body: { error: { code: 'REVIEW_EXPIRED' } } });
    const { rows } = await h.sql.query('SELECT state, next_timer_at FROM policy.reviews WHERE id = $1', [reviewId]);
    expect(rows[0]).toEqual({ state: 'expired', next_timer_at: null });
  });

  it('escalates after the configured delay, after which the escalation group may vote', async () => {
    const { intentId, reviewId } = await openReview('kms.key.rotate');
    expect(await vote(reviewId, lee, { decision: 'approve' })).toMatchObject({ status: 403, body: { error: { code: 'NOT_APPROVER' } } });
    await expectEventually(() => expect(forIntent(intentId, 'review.escalated')).toMatchObject([{ data: { groups: ['leads'], afterSeconds: 1 } }]), {
      timeoutMs: 5_000,
    });
    // quorum 1 but the security group still needs its own approver: the lead's vote counts, it does not decide.
    expect(await vote(reviewId, lee, { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'pending' } });
    expect(await vote(reviewId, bob, { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'approved' } });
  });

  it('counts a vote cast on NATS by a channel once, however often it is delivered', async () => {
    const { intentId, reviewId } = await openReview('db.export');
    const cast = createEvent(ReviewVoteCastV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId,
      actor: { kind: 'user', id: 'bob', issuer: DEV_ISSUER },
      data: {
        reviewId,
        decision: 'approve',
        voter: { subject: 'bob', issuer: DEV_ISSUER, groups: ['security'], authMethod: 'slack-signature+directory', channelUser: 'T1/U1' },
        channel: 'slack',
      },
    });
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(cast);
    await expectEventually(() => expect(forIntent(intentId, 'review.vote_recorded')).toHaveLength(1));
    await jetstream(h.nc).publish(ReviewVoteCastV1.subject, ownerSignedJson(cast), { msgID: `${cast.id}-again` });
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await h.sql.query('SELECT count(*)::int AS n FROM policy.votes WHERE review_id = $1', [reviewId]);
    expect(rows[0].n).toBe(1);
    expect(new Set(forIntent(intentId, 'review.vote_recorded').map((e) => e.id)).size).toBe(1);
  });

  it('two approvers at the same instant: exactly one intent.approved', async () => {
    const { intentId, reviewId } = await openReview('db.export');
    const results = await Promise.all([vote(reviewId, bob, { decision: 'approve' }), vote(reviewId, alice, { decision: 'approve' })]);
    expect(results.map((r) => r.body['state']).sort()).toEqual(['approved', 'pending']);
    await new Promise((r) => setTimeout(r, 300));
    expect(forIntent(intentId, 'intent.approved')).toHaveLength(1);
  });

  it('break-glass: the requester approves alone, with a reason, where the rule allows it', async () => {
    const requester = { kind: 'user' as const, subject: 'oncall', groups: ['sre'], owner: undefined };
    const { intentId, reviewId } = await openReview('compute.instance.create', requester);
    const oncall = who('oncall', ['sre'], ['intents:write']);
    expect(await vote(reviewId, oncall, { decision: 'approve', breakGlass: true })).toMatchObject({ status: 400, body: { error: { code: 'REASON_REQUIRED' } } });
    expect(await vote(reviewId, oncall, { decision: 'approve', breakGlass: true, reason: 'checkout is down' })).toMatchObject({ status: 200, body: { state: 'approved' } });
    await expectEventually(() => expect(forIntent(intentId, 'intent.approved')).toMatchObject([{ data: { breakGlass: true, reason: 'checkout is down', approvers: ['oncall'] } }]));
    // Every approver group is asked at once to look back at it, in a post-hoc review of the masked intent.
    const postHoc = await expectEventually(() => {
      const requested = forIntent(intentId, 'review.requested').filter((e) => (e as { data: { kind: string } }).data.kind === 'post_hoc');
      expect(requested).toHaveLength(1);
      return requested[0] as { data: { reviewId: string; requirement: { approverGroups: string[]; breakGlass: boolean }; reasons: string[] } };
    });
    expect(postHoc.data).toMatchObject({ requirement: { approverGroups: ['platform'], breakGlass: false }, reasons: expect.arrayContaining([expect.stringMatching(/break-glass/)]) });
    expect(await vote(postHoc.data.reviewId, oncall, { decision: 'approve', breakGlass: true, reason: 'again' })).toMatchObject({ status: 403 });
    expect(await vote(postHoc.data.reviewId, alice, { decision: 'reject', reason: 'not an outage' })).toMatchObject({ status: 200, body: { state: 'rejected' } });
    await expectEventually(() =>
      expect(forIntent(intentId, 'review.concluded')).toMatchObject([{ data: { reviewId: postHoc.data.reviewId, kind: 'post_hoc', outcome: 'rejected', reason: 'not an outage' } }]),
    );
    // The look-back decides nothing about the intent, which stays approved.
    expect(forIntent(intentId, 'intent.rejected')).toEqual([]);
    expect(forIntent(intentId, 'intent.approved')).toHaveLength(1);
    const other = await openReview('db.export', requester);
    expect(await vote(other.reviewId, oncall, { decision: 'approve', breakGlass: true, reason: 'x' })).toMatchObject({
      status: 403,
      body: { error: { code: 'BREAK_GLASS_NOT_ALLOWED' } },
    });
  });

  it('joins 50 identical pending submissions into one review, and decides all 50 with one vote', async () => {
    const copies = Array.from({ length: 50 }, () => submittedEvent('db.copy', {}, 'same'));
    const other = submittedEvent('db.copy', { subject: 'another-pipeline' }, 'same');
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publishAll([...copies.slice(0, 20), other, ...copies.slice(20)]);
    const classified = await expectEventually(() =>
      copies.map((c) => {
        const [e] = forIntent(c.intentId!, 'intent.classified');
        expect(e).toBeDefined();
        return e as { data: { reviewId?: string } };
      }),
    );
    const reviewIds = new Set(classified.map((c) => c.data.reviewId));
    expect(reviewIds.size).toBe(1);
    const [reviewId] = [...reviewIds] as [string];
    const requested = h.seen.filter((e) => e.type === 'review.requested' && (e as { data: { reviewId: string } }).data.reviewId === reviewId);
    expect(requested).toHaveLength(1);
    // Another requester asking the same is another review.
    await expectEventually(() => expect(forIntent(other.intentId!, 'review.requested')).toHaveLength(1));
    expect(await vote(reviewId, bob, { decision: 'approve' })).toMatchObject({ status: 200, body: { state: 'approved' } });
    await expectEventually(() => {
      for (const c of copies) expect(forIntent(c.intentId!, 'intent.approved')).toHaveLength(1);
    });
    expect(forIntent(other.intentId!, 'intent.approved')).toEqual([]);
    // Once decided, the same intent again opens a new review.
    const later = submittedEvent('db.copy', {}, 'same');
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(later);
    const laterReview = await expectEventually(() => {
      const [r] = forIntent(later.intentId!, 'review.requested');
      expect(r).toBeDefined();
      return (r as { data: { reviewId: string } }).data.reviewId;
    });
    expect(laterReview).not.toBe(reviewId);
  });
});
