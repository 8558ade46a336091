import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ChainVerifier, type VerifyChainResult } from '@countersign/platform/crypto';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { PG_POOL } from '@countersign/platform/nest';
import { AuditSigningKey } from '../../signing/audit-signing-key.js';
import { AUDIT_COLUMNS, toChainEntry, type AuditRow } from '../audit-rows.js';

const PAGE_SIZE = 1_000;

/**
 * Re-checks the whole stored chain (seq contiguity, hashes and every signature) in keyset pages, with the
 * platform's ChainVerifier carrying seq and prev hash across them, so the table never sits in memory.
 */
@Injectable()
export class VerifyAuditChain {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly signing: AuditSigningKey,
    private readonly eventKeys: EventKeyRing,
  ) {}

  async execute(): Promise<VerifyChainResult> {
    const verifier = new ChainVerifier(this.signing.publicKeys());
    let afterSeq = 0;
    for (;;) {
      // Keyset pages in seq order: rows appended meanwhile are simply checked too (or by the next run).
      const { rows } = await this.pool.query<AuditRow>(
        `SELECT ${AUDIT_COLUMNS} FROM audit.events WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [afterSeq, PAGE_SIZE],
      );
      const failure = verifier.push(rows.map(toChainEntry));
      if (failure) return failure;
      // The chain proves audit stored these bytes; the service signature proves their emitter wrote them.
      for (const row of rows) {
        const check = this.eventKeys.verifier.verifyView(row.type, row.payload, row.service_signature);
        if (!check.ok) return { ok: false, seq: Number(row.seq), eventId: row.event_id, reason: `service signature: ${check.reason}` };
      }
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_SIZE) return verifier.result();
      afterSeq = Number(last.seq);
    }
  }
}
