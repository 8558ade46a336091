import type pg from 'pg';
import type { CountersignEvent } from '@countersign/contracts';

/** Schemas that own an `outbox` table (event_id, event, created_at, published_at). */
export const OUTBOX_SCHEMAS = ['policy'] as const;
export type OutboxSchema = (typeof OUTBOX_SCHEMAS)[number];

export interface PgOutboxOptions {
  schema: OutboxSchema;
  publish: (events: readonly CountersignEvent[]) => Promise<void>;
  onPublishFailed?: (error: unknown, count: number) => void;
}

/**
 * The transactional outbox on a raw `pg` connection: `write` inside the caller's transaction, `publish`
 * after its commit, `flushPending` for what a crash or a NATS outage left behind. Publishing twice is
 * harmless: the event id is the Nats-Msg-Id, so the stream keeps one copy.
 */
export class PgOutbox {
  private readonly table: string;

  constructor(private readonly opts: PgOutboxOptions) {
    // The schema comes from a closed list, never from input, so it can be spliced into SQL.
    if (!OUTBOX_SCHEMAS.includes(opts.schema)) throw new Error(`no outbox in schema ${String(opts.schema)}`);
    this.table = `${opts.schema}.outbox`;
  }

  async write(client: pg.PoolClient, events: readonly CountersignEvent[]): Promise<void> {
    if (events.length === 0) return;
    await client.query(
      `INSERT INTO ${this.table} (event_id, event) SELECT * FROM unnest($1::uuid[], $2::jsonb[]) ON CONFLICT (event_id) DO NOTHING`,
      [events.map((e) => e.id), events.map((e) => JSON.stringify(e))],
    );
  }

  /** Best effort after commit: a failure is reported and left to flushPending; the transition stands. */
  async publish(pool: pg.Pool, events: readonly CountersignEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.opts.publish(events);
      await this.markPublished(pool, events.map((e) => e.id));
    } catch (error) {
      this.opts.onPublishFailed?.(error, events.length);
    }
  }

  /** Publishes events still unpublished `graceMs` after they were written. Returns how many. */
  async flushPending(pool: pg.Pool, graceMs: number, limit = 200): Promise<number> {
    const { rows } = await pool.query<{ event: CountersignEvent }>(
      `SELECT event FROM ${this.table}
       WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::float8)
       ORDER BY created_at LIMIT $2`,
      [graceMs / 1000, limit],
    );
    if (rows.length === 0) return 0;
    const events = rows.map((r) => r.event);
    await this.opts.publish(events);
    await this.markPublished(pool, events.map((e) => e.id));
    return events.length;
  }

  private async markPublished(pool: pg.Pool, ids: string[]): Promise<void> {
    await pool.query(`UPDATE ${this.table} SET published_at = now() WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL`, [ids]);
  }
}
