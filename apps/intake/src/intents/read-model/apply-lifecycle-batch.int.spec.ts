import { createEvent, GrantIssuedV1, IntentClassifiedV1, IntentSubmittedV1, type CountersignEvent } from '@countersign/contracts';
import { applyMigrations, createPgPool } from '@countersign/platform/db';
import { RetryLaterError } from '@countersign/platform/nats';
import { SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, type TestDatabase } from '@countersign/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntentChanges } from '../intent-changes.js';
import { ApplyLifecycleBatch } from './apply-lifecycle-batch.use-case.js';

const ids = new UuidV7Generator();
const hash = 'a'.repeat(64);
const actor = { kind: 'service' as const, id: 'test' };
let db: TestDatabase;
let pool: pg.Pool;
let changes: IntentChanges;
let applyBatch: ApplyLifecycleBatch;

async function storedIntent(): Promise<string> {
  const id = ids.next();
  await pool.query(
    `INSERT INTO intake.intents (id, requester_subject, requester, action, resource, args, justification, intent_hash,
       state, submitted_event_id)
     VALUES ($1, 'ci', '{}', 'db.export', '{}', '{}', 'test', $2, 'submitted', $3)`,
    [id, hash, ids.next()],
  );
  return id;
}
const classified = (intentId: string, decision: 'allow' | 'review' = 'allow') =>
  createEvent(IntentClassifiedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId,
    actor,
    data: { intentHash: hash, decision, policyVersion: hash, ruleIds: ['r1'], reasons: ['why'] },
  });
const issued = (intentId: string) =>
  createEvent(GrantIssuedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId,
    actor,
    data: { grantId: ids.next(), jti: ids.next(), intentHash: hash, audience: 'db', claimBy: '2026-01-01T00:05:00.000Z' },
  });
const submitted = (intentId: string) =>
  createEvent(IntentSubmittedV1, {
    id: ids.next(),
    occurredAt: new Date(),
    intentId,
    actor: { kind: 'pipeline', id: 'ci', issuer: 'urn:test' },
    data: {
      intentHash: hash,
      intent: {
        action: 'db.export',
        resource: { kind: 'db', id: 'x', env: 'prod', tags: [] },
        args: {},
        justification: 'test',
        requester: { kind: 'pipeline', subject: 'ci', issuer: 'urn:test', groups: [] },
      },
    },
  });

async function row(id: string) {
  const { rows } = await pool.query<{ state: string; decision: string | null; rule_ids: unknown; grant_jti: string | null }>(
    'SELECT state, decision, rule_ids, grant_jti FROM intake.intents WHERE id = $1',
    [id],
  );
  return rows[0];
}
async function recorded(events: CountersignEvent[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM intake.intent_events WHERE event_id = ANY($1::uuid[])', [
    events.map((e) => e.id),
  ]);
  return rows[0]?.n ?? -1;
}

beforeAll(async () => {
  db = await createTestDatabase('cs_intake_rm');
  await applyMigrations(db.url);
  pool = createPgPool(db.url, { max: 4 });
  changes = new IntentChanges();
  applyBatch = new ApplyLifecycleBatch(pool, new SystemClock(), changes);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('ApplyLifecycleBatch', () => {
  it('applies a batch in stream order, chaining events of one intent, and wakes its readers', async () => {
    const [a, b] = [await storedIntent(), await storedIntent()];
    const grant = issued(a);
    const first = classified(a);
    const batch = [submitted(a), first, classified(b, 'review'), grant];
    const woken = changes.waitFor(a, 5_000).then(() => 'woken');

    const outcome = await applyBatch.execute([...batch, first]);
    expect(outcome).toEqual({ applied: 3, duplicates: 1, stale: 1, ignored: 0 });
    expect(await Promise.race([woken, new Promise((r) => setTimeout(() => r('timeout'), 500))])).toBe('woken');
    expect(await row(a)).toEqual({ state: 'granted', decision: 'allow', rule_ids: ['r1'], grant_jti: grant.data.jti });
    expect(await row(b)).toMatchObject({ state: 'pending_review', decision: 'review', grant_jti: null });
    expect(await recorded(batch)).toBe(4);

    // A redelivered batch changes nothing.
    expect(await applyBatch.execute(batch)).toEqual({ applied: 0, duplicates: 4, stale: 0, ignored: 0 });
    expect((await row(a))?.state).toBe('granted');
  });

  it('defers an early event (and its intent\'s later ones) without recording it; the rest commits', async () => {
    const [a, b] = [await storedIntent(), await storedIntent()];
    const ready = classified(a);
    const early = issued(b);
    const error = await applyBatch.execute([early, ready]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).eventIds).toEqual([early.id]);
    expect((await row(a))?.state).toBe('allowed');
    expect((await row(b))?.state).toBe('submitted');
    expect(await recorded([ready])).toBe(1);
    expect(await recorded([early])).toBe(0);

    const missing = classified(ids.next());
    await expect(applyBatch.execute([missing])).rejects.toThrow(/not in the read model yet/);
    expect(await recorded([missing])).toBe(0);

    // Once its predecessor is there, the redelivered event applies.
    await applyBatch.execute([classified(b)]);
    expect(await applyBatch.execute([early])).toMatchObject({ applied: 1 });
    expect((await row(b))?.state).toBe('granted');
  });

  it('rolls back and asks for a redelivery if a twin recorded the same events meanwhile', async () => {
    const a = await storedIntent();
    const event = classified(a);
    // A "twin" holds the intent's lock and records the event while our batch waits for that lock: the
    // batch's check reads a snapshot from before the twin's commit, so only the insert can notice.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM intake.intents WHERE id = $1 FOR UPDATE', [a]);
      const pending = applyBatch.execute([event]);
      await new Promise((r) => setTimeout(r, 100));
      await client.query(
        `INSERT INTO intake.intent_events (event_id, intent_id, type, occurred_at) VALUES ($1, $2, 'intent.classified', now())`,
        [event.id, a],
      );
      await client.query('COMMIT');
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryLaterError);
      expect((error as RetryLaterError).eventIds).toBeUndefined();
    } finally {
      client.release();
    }
    expect((await row(a))?.state).toBe('submitted');
    // The redelivery sees it as applied before.
    expect(await applyBatch.execute([event])).toMatchObject({ applied: 0, duplicates: 1 });
  });
});
