import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { z } from 'zod';
import { PG_POOL } from '@countersign/platform/nest';
import { AUDIT_COLUMNS, type AuditRow } from '../audit-rows.js';

export const ListEventsQuery = z.strictObject({
  intentId: z.uuid().optional(),
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

export interface AuditEventView {
  seq: number;
  eventId: string;
  subject: string;
  type: string;
  intentId: string | null;
  occurredAt: string;
  recordedAt: string;
  payload: unknown;
  leafHash: string;
  prevHash: string;
  entryHash: string;
  signature: string;
  kid: string;
  /** The emitting service's detached JWS over `payload` (RFC 8785) and its key id; null on rows from before. */
  serviceSignature: string | null;
  serviceKid: string | null;
  /** The W3C trace id the event travelled with, to find the request's distributed trace; not signed. */
  traceId: string | null;
}

export interface ListEventsResult {
  events: AuditEventView[];
  /** Pass back as afterSeq for the next page; equals the request's afterSeq when nothing newer exists yet. */
  nextAfterSeq: number;
}

function view(row: AuditRow): AuditEventView {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    subject: row.subject,
    type: row.type,
    intentId: row.intent_id,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    payload: row.payload,
    leafHash: row.leaf_hash,
    prevHash: row.prev_hash,
    entryHash: row.entry_hash,
    signature: row.signature,
    kid: row.kid,
    serviceSignature: row.service_signature,
    serviceKid: row.service_kid,
    traceId: row.trace_id,
  };
}

@Injectable()
export class ListAuditEvents {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async execute(query: ListEventsQuery): Promise<ListEventsResult> {
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit.events
        WHERE seq > $1 AND ($2::uuid IS NULL OR intent_id = $2::uuid)
        ORDER BY seq LIMIT $3`,
      [query.afterSeq, query.intentId ?? null, query.limit],
    );
    const events = rows.map(view);
    return { events, nextAfterSeq: events.at(-1)?.seq ?? query.afterSeq };
  }
}
