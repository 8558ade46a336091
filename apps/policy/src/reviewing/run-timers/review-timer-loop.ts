import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from '@countersign/platform/logging';
import { PgOutbox } from '@countersign/platform/db';
import { PG_POOL } from '@countersign/platform/nest';
import { LOGGER } from '../../tokens.js';
import { RunReviewTimers } from './run-review-timers.use-case.js';

export const TIMER_SETTINGS = Symbol('policy.timer-settings');
export interface TimerSettings {
  intervalMs: number;
  /** How long an outbox event may stay unpublished before the loop publishes it. */
  outboxGraceMs: number;
}

/** Runs the review timers and the outbox relay on an interval; one run at a time, never overlapping. */
@Injectable()
export class ReviewTimerLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(TIMER_SETTINGS) private readonly settings: TimerSettings,
    @Inject(RunReviewTimers) private readonly timers: RunReviewTimers,
    @Inject(PgOutbox) private readonly outbox: PgOutbox,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  tick(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      await this.timers.execute();
      await this.outbox.flushPending(this.pool, this.settings.outboxGraceMs);
    } catch (error) {
      // The next tick tries again; the database and the outbox hold everything it needs.
      this.logger.warn({ err: error }, 'review timers failed; retrying on the next tick');
    }
  }
}
