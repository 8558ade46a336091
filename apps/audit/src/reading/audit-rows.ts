import type { ChainEntry } from '@countersign/platform/crypto';

/** A stored row as pg returns it (bigint as text, timestamps as Date). */
export interface AuditRow {
  seq: string;
  event_id: string;
  subject: string;
  type: string;
  intent_id: string | null;
  occurred_at: Date;
  recorded_at: Date;
  payload: unknown;
  leaf_hash: string;
  prev_hash: string;
  entry_hash: string;
  signature: string;
  kid: string;
  service_signature: string | null;
  service_kid: string | null;
  trace_id: string | null;
}

export const AUDIT_COLUMNS =
  'seq, event_id, subject, type, intent_id, occurred_at, recorded_at, payload, leaf_hash, prev_hash, entry_hash, signature, kid, service_signature, service_kid, trace_id';

export function toChainEntry(row: AuditRow): ChainEntry {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    payload: row.payload,
    leafHash: row.leaf_hash,
    prevHash: row.prev_hash,
    entryHash: row.entry_hash,
    signature: row.signature,
    kid: row.kid,
    serviceSignature: row.service_signature,
    serviceKid: row.service_kid,
  };
}
