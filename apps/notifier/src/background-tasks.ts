import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { errorSummary } from './errors-summary.js';
import { LOGGER } from './tokens.js';

/**
 * Work started on behalf of a request or event that must not hold it up (Slack's 3-second answer, the
 * JetStream consumer), yet must not be lost silently: failures are logged, shutdown waits for it.
 */
@Injectable()
export class BackgroundTasks implements OnApplicationShutdown {
  private readonly running = new Set<Promise<void>>();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  run(name: string, task: () => Promise<unknown>, context: Record<string, unknown> = {}): void {
    const p: Promise<void> = task()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ error: errorSummary(err), task: name, ...context }, 'background task failed'))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
