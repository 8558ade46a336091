import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { INestApplication } from '@nestjs/common';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  IntentClassifiedV1,
  IntentSubmittedV1,
  ReviewRequestedV1,
  STREAM_NAME,
  type CountersignEvent,
  type Intent,
} from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { createLogger } from '@countersign/platform/logging';
import { EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { expectEventually } from '@countersign/testing';
import { ownerSigner, ownerSignedJson } from '@countersign/platform/event-keys';
import { ClassifyIntents } from './classification/classify-intent/classify-intents.use-case.js';
import { startPolicyHarness, type PolicyHarness } from './policy-harness.spec.js';

const logger = createLogger('policy-test', 'silent');
const ids = new UuidV7Generator();

describe('policy service (real NATS + Postgres)', () => {
  let h: PolicyHarness;
  let nc: NatsConnection;
  let sql: pg.Pool;
  let app: INestApplication;
  let seen: CountersignEvent[];

  beforeAll(async () => {
    h = await startPolicyHarness({ database: 'cs_policy' });
    ({ nc, sql, app, seen } = h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  function submitted(action: string, env: string) {
    const intent: Intent = {
      action,
      // Not customers: the demo policy classifies those as pii, which these tests are not about.
      resource: { kind: 'db', id: 'orders', env, tags: [] },
      // Distinct args: identical pending intents of one requester would share a review.
      args: { table: 'orders', request: ids.next() },
      justification: 'quarterly report',
      requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:test', groups: ['pipelines'], owner: 'alice' },
    };
    return createEvent(IntentSubmittedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: 'pipeline', id: 'ci-deployer', issuer: 'urn:test' },
      data: { intent, intentHash: intentHash(intent) },
    });
  }

  const outgoingFor = (intentId: string) => seen.filter((e) => e.intentId === intentId && e.type !== 'intent.submitted');

  it('answers /readyz when NATS and Postgres are reachable', async () => {
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ checks: { nats: 'ok', postgres: 'ok' } });
  });

  it('classifies a review intent: decision + review rows, intent.classified then review.requested', async () => {
    const event = submitted('db.export', 'prod');
    await new EventPublisher(nc, logger, ownerSigner()).publish(event);
    const [classified, requested] = await expectEventually(() => {
      const out = outgoingFor(event.intentId!);
      expect(out.map((e) => e.type)).toEqual(['intent.classified', 'review.requested']);
      return out;
    });
    expect(classified).toMatchObject({
      type: IntentClassifiedV1.type,
      causationId: event.id,
      actor: { kind: 'service', id: 'policy' },
      data: {
        decision: 'review',
        intentHash: event.data.intentHash,
        ruleIds: ['review-db-export-prod'],
        review: { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600 },
        grant: { claimTtlSeconds: 120, useTtlSeconds: 30 },
      },
    });
    const { rows: reviews } = await sql.query('SELECT id, state, expires_at, created_at FROM policy.reviews WHERE intent_id = $1', [event.intentId]);
    expect(reviews).toHaveLength(1);
    expect(requested).toMatchObject({ type: ReviewRequestedV1.type, causationId: classified!.id, data: { reviewId: reviews[0].id } });
    const ttlMs = new Date(reviews[0].expires_at).getTime() - new Date(reviews[0].created_at).getTime();
    expect(Math.abs(ttlMs - 3_600_000)).toBeLessThan(5_000);
    const { rows: decisions } = await sql.query('SELECT decision, policy_version FROM policy.decisions WHERE intent_id = $1', [event.intentId]);
    expect(decisions).toEqual([{ decision: 'review', policy_version: (classified as { data: { policyVersion: string } }).data.policyVersion }]);
  });

  it('allows and denies without a review', async () => {
    const publisher = new EventPublisher(nc, logger, ownerSigner());
    const allow = submitted('db.query', 'dev');
    const deny = submitted('db.drop_table', 'prod');
    await publisher.publishAll([allow, deny]);
    await expectEventually(() => {
      expect(outgoingFor(allow.intentId!)).toMatchObject([{ type: 'intent.classified', data: { decision: 'allow', grant: { audience: 'db:dev/orders' } } }]);
      expect(outgoingFor(deny.intentId!)).toMatchObject([{ type: 'intent.classified', data: { decision: 'deny', ruleIds: ['deny-destructive-prod'] } }]);
    });
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM policy.reviews WHERE intent_id = ANY($1::uuid[])', [[allow.intentId, deny.intentId]]);
    expect(rows[0].n).toBe(0);
  });

  it('classifies a burst in batches: one decision per intent, the first of two submissions for one intent wins', async () => {
    const burst = Array.from({ length: 40 }, (_, i) => submitted(i % 2 === 0 ? 'db.query' : 'db.export', i % 2 === 0 ? 'dev' : 'prod'));
    const twin = { ...submitted('db.drop_table', 'prod'), id: ids.next(), intentId: burst[0]!.intentId };
    await new EventPublisher(nc, logger, ownerSigner()).publishAll([...burst, twin]);
    const intentIds = burst.map((e) => e.intentId!);
    await expectEventually(() => {
      for (const [i, e] of burst.entries()) {
        expect(outgoingFor(e.intentId!).map((o) => o.type)).toEqual(i % 2 === 0 ? ['intent.classified'] : ['intent.classified', 'review.requested']);
      }
    });
    expect(outgoingFor(twin.intentId!)).toMatchObject([{ causationId: burst[0]!.id, data: { decision: 'allow' } }]);
    const { rows } = await sql.query(
      `SELECT (SELECT count(*)::int FROM policy.decisions WHERE intent_id = ANY($1::uuid[])) AS decisions,
              (SELECT count(*)::int FROM policy.reviews WHERE intent_id = ANY($1::uuid[])) AS reviews,
              (SELECT count(*)::int FROM policy.processed_events WHERE event_id = $2) AS twin_marked`,
      [intentIds, twin.id],
    );
    expect(rows[0]).toEqual({ decisions: 40, reviews: 20, twin_marked: 1 });
  });

  it('denies an intent whose hash does not match its content', async () => {
    const honest = submitted('db.query', 'dev');
    const forged = { ...honest, data: { ...honest.data, intentHash: 'f'.repeat(64) } };
    await new EventPublisher(nc, logger, ownerSigner()).publish(forged);
    await expectEventually(() =>
      expect(outgoingFor(forged.intentId!)).toMatchObject([
        { type: 'intent.classified', data: { decision: 'deny', reasons: [expect.stringMatching(/hash does not match/)] } },
      ]),
    );
  });

  it('a redelivered submitted event makes no second decision and republishes the same event ids', async () => {
    const event = submitted('iam.role.grant', 'prod');
    await new EventPublisher(nc, logger, ownerSigner()).publish(event);
    const first = await expectEventually(() => {
      const out = outgoingFor(event.intentId!);
      expect(out).toHaveLength(2);
      return out.map((e) => e.id);
    });
    // A second stream message carrying the same event (as after a crash before ack, or a replay):
    // a different Nats-Msg-Id gets it past JetStream's dedup so that the handler really sees it again.
    await jetstream(nc).publish(IntentSubmittedV1.subject, ownerSignedJson(event), { msgID: `${event.id}-again` });
    await expectEventually(() => expect(outgoingFor(event.intentId!).map((e) => e.id)).toEqual([...first, ...first]));

    const { rows } = await sql.query(
      `SELECT (SELECT count(*)::int FROM policy.decisions WHERE intent_id = $1) AS decisions,
              (SELECT count(*)::int FROM policy.reviews WHERE intent_id = $1) AS reviews`,
      [event.intentId],
    );
    expect(rows[0]).toEqual({ decisions: 1, reviews: 1 });
    // The republished copies carried the stored ids, so the stream still holds one of each.
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_NAME, { subjects_filter: '>' });
    const classified = seen.filter((e) => e.type === 'intent.classified');
    const distinct = new Set(classified.map((e) => e.id)).size;
    expect(classified.length).toBe(distinct + 1);
    expect(info.state.subjects?.[IntentClassifiedV1.subject]).toBe(distinct);
  });
  it('a batch holding an already-processed event republishes its stored events, writes nothing for it, and classifies the rest', async () => {
    const old = submitted('db.export', 'prod');
    await new EventPublisher(nc, logger, ownerSigner()).publish(old);
    const stored = await expectEventually(() => {
      const out = outgoingFor(old.intentId!);
      expect(out).toHaveLength(2);
      return out;
    });
    const counts = async () =>
      (
        await sql.query(
          `SELECT (SELECT count(*)::int FROM policy.decisions) AS decisions, (SELECT count(*)::int FROM policy.reviews) AS reviews,
                  (SELECT count(*)::int FROM policy.processed_events) AS markers,
                  (SELECT outgoing FROM policy.processed_events WHERE event_id = $1) AS old_outgoing`,
          [old.id],
        )
      ).rows[0] as { decisions: number; reviews: number; markers: number; old_outgoing: unknown };
    const before = await counts();
    const fresh = submitted('db.query', 'dev');
    // Straight to the use case, so that both events are certainly in one batch.
    const result = await app.get(ClassifyIntents).execute([old, fresh, old]);

    expect(result.duplicates).toEqual([old.id]);
    expect(result.outgoing.map((e) => e.id).slice(0, 2)).toEqual(stored.map((e) => e.id));
    expect(result.outgoing.slice(2)).toMatchObject([{ type: 'intent.classified', causationId: fresh.id, data: { decision: 'allow' } }]);
    await expectEventually(() => expect(outgoingFor(old.intentId!).map((e) => e.id)).toEqual([...stored, ...stored].map((e) => e.id)));
    const after = await counts();
    expect(after).toEqual({ decisions: before.decisions + 1, reviews: before.reviews, markers: before.markers + 1, old_outgoing: before.old_outgoing });

    // Alone in a batch, the processed event writes nothing at all.
    const again = await app.get(ClassifyIntents).execute([old]);
    expect(again.outgoing.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(await counts()).toEqual(after);
  });
  it('two concurrent runs of one batch decide each intent once and return the same event ids', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => submitted(i % 2 === 0 ? 'db.query' : 'db.export', i % 2 === 0 ? 'dev' : 'prod'));
    const classify = app.get(ClassifyIntents);
    const [a, b] = await Promise.all([classify.execute(batch), classify.execute(batch)]);
    expect(a.outgoing).toHaveLength(30);
    expect(b.outgoing.map((e) => e.id)).toEqual(a.outgoing.map((e) => e.id));
    expect([...a.duplicates, ...b.duplicates].sort()).toEqual(batch.map((e) => e.id).sort());
    const { rows } = await sql.query(
      `SELECT (SELECT count(*)::int FROM policy.decisions WHERE intent_id = ANY($1::uuid[])) AS decisions,
              (SELECT count(*)::int FROM policy.reviews WHERE intent_id = ANY($1::uuid[])) AS reviews`,
      [batch.map((e) => e.intentId)],
    );
    expect(rows[0]).toEqual({ decisions: 20, reviews: 10 });
  });
});
