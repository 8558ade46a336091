import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { AUDIT_LOGGER } from '../recording/record-events/record-events.controller.js';
import { PublishCheckpoint } from './publish-checkpoint.use-case.js';

export const CHECKPOINT_INTERVAL_MS = Symbol('audit.checkpoint-interval');

/** Signs a checkpoint at a fixed interval; a refusal (an inconsistent log) is logged as the alarm it is. */
@Injectable()
export class CheckpointLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(CHECKPOINT_INTERVAL_MS) private readonly intervalMs: number,
    @Inject(PublishCheckpoint) private readonly publish: PublishCheckpoint,
    @Inject(AUDIT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.publish
        .execute()
        .catch((err: unknown) => this.logger.error({ err }, 'checkpoint not signed'))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
