import type pg from 'pg';
import { SignatureRejectedV1, type EventOf } from '@countersign/contracts';
import { AUDIT_COLUMNS, type AuditRow } from '../reading/audit-rows.js';

/**
 * The events of a period, in log order, up to `maxSeq`: every event of the intents submitted in it
 * (even those recorded after it ended: an approval the next day belongs to the intent) and the
 * period's events of no intent (policy versions).
 */
export async function periodEvents(pool: pg.Pool, from: Date, to: Date, maxSeq: number): Promise<AuditRow[]> {
  const { rows } = await pool.query<AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM audit.events e
     WHERE e.seq <= $3 AND (
       e.intent_id IN (SELECT intent_id FROM audit.events WHERE type = 'intent.submitted' AND occurred_at >= $1 AND occurred_at < $2 AND seq <= $3)
       OR (e.intent_id IS NULL AND e.occurred_at >= $1 AND e.occurred_at < $2))
     ORDER BY e.seq`,
    [from, to, maxSeq],
  );
  return rows;
}

/** The period's reports of events a consumer refused for their signature (exceptions in the report). */
export function rejectedSignaturesOf(rows: readonly AuditRow[]): Array<EventOf<typeof SignatureRejectedV1>> {
  return rows.filter((r) => r.type === SignatureRejectedV1.type).map((r) => r.payload as EventOf<typeof SignatureRejectedV1>);
}
