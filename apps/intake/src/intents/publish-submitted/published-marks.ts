import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import type pg from 'pg';
import { PG_POOL } from '@countersign/platform/nest';
import { LOGGER } from '../../infra/tokens.js';

/**
 * How long a mark may wait for company before it is written: one UPDATE per quarter second whatever the
 * rate (at 5 ms it was one per few intents). Far below INTAKE_REPUBLISH_AFTER_MS, so the republisher
 * does not resend events whose marks are merely waiting.
 */
export const MARK_FLUSH_MS = 250;

/**
 * Records `published_at` for intents whose submitted event left, without costing the request a round
 * trip: marks collect for MARK_FLUSH_MS and go out in one UPDATE. A mark lost to a crash only means
 * the republisher sends that event again later, which NATS dedups by event id (and consumers by id too).
 */
@Injectable()
export class PublishedMarks implements OnApplicationShutdown {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  add(intentId: string): void {
    this.pending.add(intentId);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, MARK_FLUSH_MS);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes every pending mark; resolves once they are stored (or failed and were put back). */
  flush(): Promise<void> {
    // One UPDATE at a time: marks arriving meanwhile wait for the next one.
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending = new Set();
    try {
      await this.pool.query(
        'UPDATE intake.intents SET published_at = $2 WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
        [ids, this.clock.now()],
      );
    } catch (error) {
      // Kept for the next flush; if that never comes, the republisher resends and marks them.
      for (const id of ids) this.pending.add(id);
      this.logger.warn({ count: ids.length, err: error instanceof Error ? error.message : String(error) }, 'cannot record published_at');
    }
  }
}
