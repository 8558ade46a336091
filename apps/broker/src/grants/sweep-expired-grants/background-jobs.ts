import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import type { ReleaseCredentials } from '../../credentials/release-credentials/release-credentials.use-case.js';
import type { RemoveStrayCredentials } from '../../credentials/remove-strays/remove-strays.use-case.js';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import type { SweepExpiredGrants } from './sweep-expired-grants.use-case.js';

export interface BackgroundJobIntervals {
  sweepMs: number;
  credentialMs: number;
  strayMs: number;
  outboxMs: number;
}

export interface Jobs {
  sweep: SweepExpiredGrants;
  credentials: ReleaseCredentials;
  strays: RemoveStrayCredentials;
  relay: OutboxRelay;
}

/**
 * Runs the sweeper, the credential release and the outbox relay on timers. Each job never overlaps
 * itself; a failure is logged and the next tick tries again (every job is idempotent and safe across
 * copies of broker).
 */
export class BackgroundJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly jobs: Jobs,
    private readonly intervals: BackgroundJobIntervals,
    private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.every(this.intervals.sweepMs, 'grant sweep', async () => {
      const expired = await this.jobs.sweep.execute();
      if (expired > 0) this.logger.info({ expired }, 'grants expired');
    });
    // Each removal is logged by the use case; a count adds nothing.
    this.every(this.intervals.credentialMs, 'credential release', async () => {
      await this.jobs.credentials.execute();
    });
    // Logs its own removals and failures.
    this.every(this.intervals.strayMs, 'stray credential sweep', async () => {
      await this.jobs.strays.execute();
    });
    this.every(this.intervals.outboxMs, 'outbox relay', async () => {
      const published = await this.jobs.relay.flushPending(this.intervals.outboxMs);
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
