import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { CountersignEvent } from '@countersign/contracts';
import { chainHash, leafHash, signEntry } from '@countersign/platform/crypto';
import type { Delivery } from '@countersign/platform/nats';
import { traceIdOf } from '@countersign/platform/telemetry';
import { PG_POOL } from '@countersign/platform/nest';
import { AuditSigningKey } from '../../signing/audit-signing-key.js';
import { auditLog, type ChainHead, type NewAuditRow } from '../audit-log.repository.js';
import { recordedForm } from '../withhold-submitted-content.js';

export interface AuditItem {
  event: CountersignEvent;
  delivery: Pick<Delivery, 'subject' | 'streamSequence' | 'signature' | 'headers'>;
}

export interface RecordEventsResult {
  appended: number;
  skipped: number;
  head: ChainHead;
}

/**
 * Appends a batch of events to the signed hash chain in one transaction. Safe to repeat: events already
 * stored (a redelivered batch, a republished event) are skipped, so the chain never holds an event twice
 * and a redelivery extends the head instead of forking it.
 */
@Injectable()
export class RecordEvents {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly signing: AuditSigningKey,
  ) {}

  async execute(items: readonly AuditItem[]): Promise<RecordEventsResult> {
    // Stream order is the chain order; a batch may interleave redeliveries with newer messages.
    const ordered = [...items].sort((a, b) => a.delivery.streamSequence - b.delivery.streamSequence);
    const client = await this.pool.connect();
    try {
      await auditLog.beginLocked(client);
      const { head, stored: seen } = await auditLog.headAndStored(client, ordered.map((i) => i.event.id));
      const rows = this.chain(head, ordered, seen);
      await auditLog.append(client, rows);
      await client.query('COMMIT');
      const last = rows.at(-1);
      return {
        appended: rows.length,
        skipped: ordered.length - rows.length,
        head: last ? { seq: last.seq, entryHash: last.entryHash } : head,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private chain(head: ChainHead, items: readonly AuditItem[], seen: Set<string>): NewAuditRow[] {
    const rows: NewAuditRow[] = [];
    let { seq, entryHash: prev } = head;
    for (const { event, delivery } of items) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const recorded = recordedForm(event);
      const leaf = leafHash(recorded);
      const entry = chainHash(prev, leaf);
      rows.push({
        seq: ++seq,
        eventId: event.id,
        subject: delivery.subject,
        type: event.type,
        intentId: event.intentId,
        occurredAt: event.occurredAt,
        payload: recorded,
        leafHash: leaf,
        prevHash: prev,
        entryHash: entry,
        signature: signEntry(this.signing.key, entry),
        kid: this.signing.kid,
        // Verified by the consumer before this handler ran (the transport refuses unsigned events).
        serviceSignature: delivery.signature?.jws ?? null,
        serviceKid: delivery.signature?.kid ?? null,
        traceId: traceIdOf(delivery.headers) ?? null,
      });
      prev = entry;
    }
    return rows;
  }
}
