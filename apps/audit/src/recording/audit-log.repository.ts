import type pg from 'pg';
import { GENESIS_HASH } from '@countersign/platform/crypto';

// Hot-path statements are named: each pooled connection prepares them once instead of parsing and
// planning them on every call (Postgres CPU per execution fell from ~0.25 ms to ~0.1 ms; see README).

/**
 * Every writer takes this transaction-scoped lock before reading the head, so two audit copies append
 * one after the other instead of both extending the same head (a forked chain). The value is arbitrary
 * but fixed: 'audit' in ASCII.
 */
export const AUDIT_CHAIN_LOCK = 0x6175646974;

export interface ChainHead {
  seq: number;
  entryHash: string;
}

export interface NewAuditRow {
  seq: number;
  eventId: string;
  subject: string;
  type: string;
  intentId: string | null;
  occurredAt: string;
  payload: unknown;
  leafHash: string;
  prevHash: string;
  entryHash: string;
  signature: string;
  kid: string;
  serviceSignature: string | null;
  serviceKid: string | null;
  /** The message's W3C trace id (transport metadata: not covered by either signature). */
  traceId: string | null;
}

/** SQL for audit.events, always run on a client inside the caller's transaction. */
export const auditLog = {
  /**
   * Opens the transaction and takes the chain lock in one round trip (a simple query of two statements:
   * the lock id is a constant, nothing is interpolated). The lock must be its own statement: a statement
   * reads with the snapshot it started with, so a head read in the same statement as the lock wait could
   * miss a twin's append committed meanwhile.
   */
  async beginLocked(client: pg.ClientBase): Promise<void> {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  },

  /** The chain head and which of `eventIds` are stored already, in one round trip (after beginLocked). */
  async headAndStored(client: pg.ClientBase, eventIds: string[]): Promise<{ head: ChainHead; stored: Set<string> }> {
    const { rows } = await client.query<{ seq: string | null; entry_hash: string | null; stored: string[] }>(
      { name: 'audit.head-and-stored', text: `SELECT h.seq, h.entry_hash,
              (SELECT coalesce(array_agg(event_id::text), '{}') FROM audit.events WHERE event_id = ANY($1::uuid[])) AS stored
       FROM (SELECT 1) AS one
       LEFT JOIN (SELECT seq, entry_hash FROM audit.events ORDER BY seq DESC LIMIT 1) AS h ON true` },
      [eventIds],
    );
    const row = rows[0];
    const head = row?.seq != null && row.entry_hash != null ? { seq: Number(row.seq), entryHash: row.entry_hash } : { seq: 0, entryHash: GENESIS_HASH };
    return { head, stored: new Set(row?.stored ?? []) };
  },

  /** One statement for the whole batch: unnest keeps the parameter count fixed at any batch size. */
  async append(client: pg.ClientBase, rows: NewAuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    await client.query(
      { name: 'audit.append', text: `INSERT INTO audit.events
         (seq, event_id, subject, type, intent_id, occurred_at, payload,
          leaf_hash, prev_hash, entry_hash, signature, kid, service_signature, service_kid, trace_id)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[],
                            $7::jsonb[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                            $13::text[], $14::text[], $15::text[])` },
      [
        rows.map((r) => r.seq),
        rows.map((r) => r.eventId),
        rows.map((r) => r.subject),
        rows.map((r) => r.type),
        rows.map((r) => r.intentId),
        rows.map((r) => r.occurredAt),
        rows.map((r) => JSON.stringify(r.payload)),
        rows.map((r) => r.leafHash),
        rows.map((r) => r.prevHash),
        rows.map((r) => r.entryHash),
        rows.map((r) => r.signature),
        rows.map((r) => r.kid),
        rows.map((r) => r.serviceSignature),
        rows.map((r) => r.serviceKid),
        rows.map((r) => r.traceId),
      ],
    );
  },
};
