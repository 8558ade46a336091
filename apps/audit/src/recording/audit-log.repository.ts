import type pg from 'pg';
import { GENESIS_HASH } from '@countersign/platform/crypto';

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
}

/** SQL for audit.events, always run on a client inside the caller's transaction. */
export const auditLog = {
  async lockChain(client: pg.ClientBase): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
  },

  async head(client: pg.ClientBase): Promise<ChainHead> {
    const { rows } = await client.query<{ seq: string; entry_hash: string }>(
      'SELECT seq, entry_hash FROM audit.events ORDER BY seq DESC LIMIT 1',
    );
    const row = rows[0];
    return row ? { seq: Number(row.seq), entryHash: row.entry_hash } : { seq: 0, entryHash: GENESIS_HASH };
  },

  async storedIds(client: pg.ClientBase, eventIds: string[]): Promise<Set<string>> {
    const { rows } = await client.query<{ event_id: string }>(
      'SELECT event_id FROM audit.events WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  },

  /** One statement for the whole batch: unnest keeps the parameter count fixed at any batch size. */
  async append(client: pg.ClientBase, rows: NewAuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO audit.events
         (seq, event_id, subject, type, intent_id, occurred_at, payload,
          leaf_hash, prev_hash, entry_hash, signature, kid, service_signature, service_kid)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[],
                            $7::jsonb[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                            $13::text[], $14::text[])`,
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
      ],
    );
  },
};
