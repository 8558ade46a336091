import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import type { SweepExpiredGrants } from './sweep-expired-grants.use-case.js';

export interface BackgroundJobIntervals {
  sweepMs: number;
  outboxMs: number;
}

/**
 * Runs the sweeper and the outbox relay on timers. Each job never overlaps itself; a failure is
 * logged and the next tick tries again (both jobs are idempotent and safe across copies of broker).
 */
export class BackgroundJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly sweep: SweepExpiredGrants,
    private readonly relay: OutboxRelay,
    private readonly intervals: BackgroundJobIntervals,
    private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.every(this.intervals.sweepMs, 'grant sweep', async () => {
      const expired = await this.sweep.execute();
      if (expired > 0) this.logger.info({ expired }, 'grants expired');
    });
    this.every(this.intervals.outboxMs, 'outbox relay', async () => {
      const published = await this.relay.flushPending(this.intervals.outboxMs);
      if (published > 0) this.logger.info({ published }, 'outbox events republished');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.running]);
  }

  private every(ms: number, name: string, job: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = job()
        .catch((err: unknown) => this.logger.warn({ err, job: name }, 'background job failed'))
        .finally(() => {
          busy = false;
          this.running.delete(run);
        });
      this.running.add(run);
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
