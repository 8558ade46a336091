import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { CountersignEvent } from '@countersign/contracts';
import { PG_POOL } from '@countersign/platform/nest';
import { evidenceFigures, type EvidenceFigures } from './figures.js';
import { periodEvents, rejectedSignaturesOf } from './period-events.js';
import { buildPopulation } from './population.js';

export interface EvidenceSummary extends EvidenceFigures {
  period: { from: string; to: string };
  /** The log's head when counted; the ZIP signs a checkpoint of its own. */
  headSeq: number;
  events: number;
}

/** The evidence report's figures as JSON, for a screen (the console's auditor view); no proofs, nothing signed. */
@Injectable()
export class SummarizeEvidence {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async execute(from: Date, to: Date): Promise<EvidenceSummary> {
    const { rows: head } = await this.pool.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM audit.events');
    const headSeq = Number(head[0]?.seq ?? 0);
    const rows = await periodEvents(this.pool, from, to, headSeq);
    const population = buildPopulation(rows.map((r) => r.payload as CountersignEvent));
    return { period: { from: from.toISOString(), to: to.toISOString() }, headSeq, events: rows.length, ...evidenceFigures(population, rejectedSignaturesOf(rows)) };
  }
}
