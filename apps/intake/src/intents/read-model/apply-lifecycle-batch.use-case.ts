import { Inject, Injectable } from '@nestjs/common';
import type { CountersignEvent } from '@countersign/contracts';
import { RetryLaterError } from '@countersign/platform/nats';
import { Clock } from '@countersign/platform/runtime';
import type pg from 'pg';
import { PG_POOL } from '@countersign/platform/nest';
import { inTransaction } from '@countersign/platform/db';
import { IntentChanges } from '../intent-changes.js';
import { applicableOf, foldEvents, type Applicable } from './fold.js';
import { lockIntents, recordAndWrite } from './read-model.store.js';

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  stale: number;
  ignored: number;
}

/**
 * Folds a batch of status events into the intents read model in one transaction: lock the intents and
 * read which events were applied before (redeliveries are skipped), apply the new ones in stream order,
 * then record them and write each changed intent once, wake the long-poll readers, commit.
 * An early event or an unknown intent defers that intent's events: they are not recorded, and a
 * RetryLaterError naming them has only them redelivered later (the rest of the batch is acked).
 */
@Injectable()
export class ApplyLifecycleBatch {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IntentChanges) private readonly changes: IntentChanges,
  ) {}

  async execute(events: readonly CountersignEvent[]): Promise<BatchOutcome> {
    const applicable = applicableOf(events);
    const ignored = events.length - applicable.length;
    const items = uniqueById(applicable);
    if (items.length === 0) return { applied: 0, duplicates: 0, stale: 0, ignored };

    const { fold, fresh } = await inTransaction(this.pool, async (client) => {
      const { states, seen } = await lockIntents(client, items);
      const fresh = items.filter((i) => !seen.has(i.eventId));
      const fold = foldEvents(states, fresh);
      if (fold.done.length === 0) return { fold, fresh };
      const { recorded, rows } = await recordAndWrite(client, fold.done, fold.changes, this.clock.now());
      // A twin delivery (another copy) recorded some of them after our check: start over from its commit.
      if (recorded !== fold.done.length) throw new RetryLaterError('events were applied concurrently', 0);
      // Before the commit: the rows are final unless the commit fails, and the events they come from are
      // already durable in the stream, so a failed commit only delays the read model (the batch is
      // redelivered), never changes what a reader was told. Saves a reader the commit's disk flush.
      for (const row of rows) this.changes.notify(row.id, row);
      return { fold, fresh };
    });
    if (fold.deferred.length > 0) {
      throw new RetryLaterError(
        fold.reasons.join('; '),
        undefined,
        fold.deferred.map((i) => i.event.id),
      );
    }
    const applied = fold.done.length - fold.stale;
    return { applied, duplicates: applicable.length - fresh.length, stale: fold.stale, ignored };
  }
}

/** A message stored twice in the stream may land twice in one batch: keep its first copy. */
function uniqueById(items: Applicable[]): Applicable[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.eventId) && seen.add(i.eventId));
}
