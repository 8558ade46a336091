import { applyMigrations, createPgPool } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, type TestDatabase } from '@countersign/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishedMarks } from './published-marks.js';

const ids = new UuidV7Generator();
let db: TestDatabase;
let pool: pg.Pool;

async function storedIntents(n: number): Promise<string[]> {
  const created = Array.from({ length: n }, () => ids.next());
  await pool.query(
    `INSERT INTO intake.intents (id, requester_subject, requester, action, resource, args, justification, intent_hash,
       state, submitted_event_id)
     SELECT id, 'ci', '{}', 'db.export', '{}', '{}', 'test', repeat('a', 64), 'submitted', gen_random_uuid()
     FROM unnest($1::uuid[]) AS id`,
    [created],
  );
  return created;
}
async function unmarked(intentIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM intake.intents WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
    [intentIds],
  );
  return rows[0]?.n ?? -1;
}

beforeAll(async () => {
  db = await createTestDatabase('cs_intake_marks');
  await applyMigrations(db.url);
  pool = createPgPool(db.url, { max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('PublishedMarks', () => {
  const logger = createLogger('marks-test', 'silent');

  it('writes marks shortly after they are added, many per statement', async () => {
    const marks = new PublishedMarks(pool, new SystemClock(), logger);
    const batch = await storedIntents(50);
    for (const id of batch) marks.add(id);
    expect(await unmarked(batch)).toBe(50);
    await expectEventually(async () => expect(await unmarked(batch)).toBe(0), { timeoutMs: 2_000, intervalMs: 5 });
    expect(marks.size).toBe(0);
  });

  it('flushes what is pending at shutdown', async () => {
    const marks = new PublishedMarks(pool, new SystemClock(), logger);
    const batch = await storedIntents(3);
    for (const id of batch) marks.add(id);
    await marks.onApplicationShutdown();
    expect(await unmarked(batch)).toBe(0);
  });
});
