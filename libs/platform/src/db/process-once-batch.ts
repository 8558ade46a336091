import type { CountersignEvent } from '@countersign/contracts';
import type pg from 'pg';
import { PROCESSED_EVENT_SCHEMAS, type ProcessedEventSchema } from './process-once.js';

export interface ProcessOnceBatchKey {
  schema: ProcessedEventSchema;
  /** Name of the handler; kept for diagnosis, the event id alone is the idempotency key. */
  consumer: string;
}

export interface ProcessOnceBatchResult {
  /** Every event to publish after commit, in input order: stored ones for duplicates, new ones for fresh events. */
  outgoing: CountersignEvent[];
  /** Ids of input events that `work` did not see (processed before, or repeated within this batch). */
  duplicates: string[];
}

/** Deadlock / serialization failure: Postgres rolled the whole transaction back, so running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/**
 * processOnce for a whole batch in ONE transaction of raw SQL: the markers of every event, the work
 * for the fresh ones and the events it produced commit together, or nothing does.
 *
 * Markers go in sorted by id, so two overlapping batches take the row locks in the same order: the
 * later one waits for the earlier to commit (then sees duplicates) or roll back (then does the work),
 * instead of deadlocking. `work` must keep its effects inside `client` (it may run again after a
 * deadlock between its own statements and another batch's).
 */
export async function processOnceBatch(
  pool: pg.Pool,
  key: ProcessOnceBatchKey,
  events: readonly CountersignEvent[],
  work: (client: pg.PoolClient, fresh: readonly CountersignEvent[]) => Promise<Map<string, CountersignEvent[]>>,
): Promise<ProcessOnceBatchResult> {
  // Identifiers cannot be bound parameters: only the fixed list reaches the SQL text.
  if (!PROCESSED_EVENT_SCHEMAS.includes(key.schema)) {
    throw new Error(`processOnceBatch: unknown schema ${JSON.stringify(key.schema)}`);
  }
  if (events.length === 0) return { outgoing: [], duplicates: [] };
  const table = `"${key.schema}"."processed_events"`;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const result = await runBatch(client, table, key.consumer, events, work);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      if (attempt < ATTEMPTS && RETRYABLE.has(sqlState(error))) continue;
      throw error;
    } finally {
      // A client whose ROLLBACK failed may be mid-transaction: destroy it rather than hand it to the next caller.
      client.release(broken);
    }
  }
}

async function runBatch(
  client: pg.PoolClient,
  table: string,
  consumer: string,
  events: readonly CountersignEvent[],
  work: (client: pg.PoolClient, fresh: readonly CountersignEvent[]) => Promise<Map<string, CountersignEvent[]>>,
): Promise<ProcessOnceBatchResult> {
  // Postgres prints uuids in lower case; the contracts accept either, so compare on one form.
  const norm = (id: string) => id.toLowerCase();
  const ids = [...new Set(events.map((e) => norm(e.id)))];
  const inserted = await client.query<{ event_id: string }>(
    `INSERT INTO ${table} (event_id, consumer)
     SELECT id, $2 FROM unnest($1::uuid[]) AS t(id) ORDER BY id
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [ids, consumer],
  );
  const insertedIds = new Set(inserted.rows.map((r) => r.event_id));

  // Fresh = first occurrence of an id this transaction inserted; every other event is a duplicate.
  const fresh: CountersignEvent[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const id = norm(e.id);
    if (insertedIds.has(id) && !seen.has(id)) fresh.push(e);
    else if (!duplicates.includes(e.id)) duplicates.push(e.id);
    seen.add(id);
  }

  // A separate statement (new snapshot) so that rows a concurrent twin just committed are visible.
  const stored = new Map<string, CountersignEvent[]>();
  const storedIds = ids.filter((id) => !insertedIds.has(id));
  if (storedIds.length > 0) {
    const rows = await client.query<{ event_id: string; outgoing: CountersignEvent[] }>(
      `SELECT event_id, outgoing FROM ${table} WHERE event_id = ANY($1::uuid[])`,
      [storedIds],
    );
    for (const r of rows.rows) stored.set(r.event_id, r.outgoing);
  }

  const produced = fresh.length > 0 ? await work(client, fresh) : new Map<string, CountersignEvent[]>();
  const toStore = fresh.flatMap((e) => {
    const out = produced.get(e.id) ?? [];
    return out.length > 0 ? [{ id: norm(e.id), out }] : [];
  });
  if (toStore.length > 0) {
    await client.query(
      `UPDATE ${table} AS p SET outgoing = u.outgoing
       FROM unnest($1::uuid[], $2::jsonb[]) AS u(event_id, outgoing) WHERE p.event_id = u.event_id`,
      [toStore.map((s) => s.id), toStore.map((s) => JSON.stringify(s.out))],
    );
  }

  // Input order; an id repeated within the batch contributes its events once.
  const outgoing: CountersignEvent[] = [];
  const emitted = new Set<string>();
  for (const e of events) {
    const id = norm(e.id);
    if (emitted.has(id)) continue;
    emitted.add(id);
    outgoing.push(...(insertedIds.has(id) ? (produced.get(e.id) ?? []) : (stored.get(id) ?? [])));
  }
  return { outgoing, duplicates };
}

function sqlState(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
