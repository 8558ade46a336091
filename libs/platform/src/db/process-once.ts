import type { CountersignEvent } from '@countersign/contracts';
import type { Prisma, PrismaClient } from './prisma-client.js';

/** The services whose schema has a `processed_events` table. */
export const PROCESSED_EVENT_SCHEMAS = ['policy', 'notifier', 'broker'] as const;
export type ProcessedEventSchema = (typeof PROCESSED_EVENT_SCHEMAS)[number];

export interface ProcessOnceKey {
  schema: ProcessedEventSchema;
  /** Name of the handler; kept for diagnosis, the event id alone is the idempotency key. */
  consumer: string;
  eventId: string;
}

export interface ProcessOnceResult {
  duplicate: boolean;
  outgoing: CountersignEvent[];
}

export interface ProcessOnceOptions {
  /** Interactive transaction timeout; Prisma's default (5 s) is tight when a twin delivery waits on the row lock. */
  timeoutMs?: number;
  maxWaitMs?: number;
}

/**
 * Runs `work` at most once per event id, atomically with recording the events it produced.
 *
 * The marker row is inserted first, in the same transaction as `work`: a concurrent twin delivery
 * blocks on the uncommitted key until this one commits (then sees a duplicate) or rolls back (then
 * does the work itself). The caller publishes `outgoing` after commit; a redelivery after a crash
 * gets the stored events back and republishes them (NATS drops the copies by event id).
 */
export async function processOnce(
  prisma: PrismaClient,
  key: ProcessOnceKey,
  work: (tx: Prisma.TransactionClient) => Promise<CountersignEvent[]>,
  opts: ProcessOnceOptions = {},
): Promise<ProcessOnceResult> {
  // Identifiers cannot be bound parameters: only the fixed list reaches the SQL text.
  if (!PROCESSED_EVENT_SCHEMAS.includes(key.schema)) {
    throw new Error(`processOnce: unknown schema ${JSON.stringify(key.schema)}`);
  }
  const table = `"${key.schema}"."processed_events"`;
  return prisma.$transaction(
    async (tx) => {
      const inserted = await tx.$executeRawUnsafe(
        `INSERT INTO ${table} (event_id, consumer) VALUES ($1::uuid, $2) ON CONFLICT (event_id) DO NOTHING`,
        key.eventId,
        key.consumer,
      );
      if (inserted === 0) {
        const rows = await tx.$queryRawUnsafe<{ outgoing: CountersignEvent[] }[]>(
          `SELECT outgoing FROM ${table} WHERE event_id = $1::uuid`,
          key.eventId,
        );
        return { duplicate: true, outgoing: rows[0]?.outgoing ?? [] };
      }
      const outgoing = await work(tx);
      await tx.$executeRawUnsafe(
        `UPDATE ${table} SET outgoing = $2::jsonb WHERE event_id = $1::uuid`,
        key.eventId,
        JSON.stringify(outgoing),
      );
      return { duplicate: false, outgoing };
    },
    { timeout: opts.timeoutMs ?? 15_000, maxWait: opts.maxWaitMs ?? 5_000 },
  );
}
