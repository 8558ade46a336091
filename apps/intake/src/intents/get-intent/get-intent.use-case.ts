import { Inject, Injectable } from '@nestjs/common';
import type { IntentState } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import type pg from 'pg';
import { IntakeError } from '../../errors/intake-error.js';
import { PG_POOL } from '@countersign/platform/nest';
import { canRead, intentColumns, toView, type IntentRow, type IntentView } from '../intent-record.js';
import { IntentChanges } from '../intent-changes.js';

// Hot-path statements are named: each pooled connection prepares them once instead of parsing and
// planning them on every call (Postgres CPU per execution fell from ~0.25 ms to ~0.1 ms; see README).

/** How often a waiting reader re-reads the row: covers changes committed by another copy of intake. */
export const RECHECK_MS = 500;

const BY_ID = `SELECT ${intentColumns()} FROM intake.intents WHERE id = $1`;

export interface GetIntentQuery {
  id: string;
  identity: VerifiedIdentity;
  /** Long-poll up to this many seconds for a state other than `lastSeenState` (default: the current one). */
  waitSeconds: number;
  lastSeenState?: IntentState | undefined;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

@Injectable()
export class GetIntent {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(IntentChanges) private readonly changes: IntentChanges,
  ) {}

  async execute(q: GetIntentQuery): Promise<IntentView> {
    const row = await this.find(q.id);
    // Someone else's intent answers exactly like a missing one, so ids cannot be probed.
    if (!row || !canRead(row, q.identity)) throw new IntakeError('NOT_FOUND', `no intent ${q.id}`);
    if (q.waitSeconds <= 0) return toView(row);
    const baseline = q.lastSeenState ?? row.state;
    if (row.state !== baseline) return toView(row);
    return toView(await this.waitForChange(row, baseline, q.waitSeconds * 1000, q.signal));
  }

  private async waitForChange(row: IntentRow, baseline: string, ms: number, signal?: AbortSignal): Promise<IntentRow> {
    const deadline = Date.now() + ms;
    let current = row;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted || this.changes.closing) return current;
      const notified = await this.changes.waitFor(row.id, Math.min(remaining, RECHECK_MS), signal);
      // Woken by this copy's read model with the committed row, or by a timer/abort: then read it.
      current = notified ?? (await this.find(row.id)) ?? current;
      if (current.state !== baseline) return current;
    }
  }

  private async find(id: string): Promise<IntentRow | null> {
    const { rows } = await this.pool.query<IntentRow>({ name: 'intake.intent-by-id', text: BY_ID }, [id]);
    return rows[0] ?? null;
  }
}
