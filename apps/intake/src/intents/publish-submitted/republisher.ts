import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import type { IntakeConfig } from '../../config.js';
import { INTAKE_CONFIG, LOGGER } from '../../infra/tokens.js';
import { SubmittedPublisher } from './submitted-publisher.js';

const BATCH = 100;

/**
 * Sends submitted events that were committed but never confirmed as published (a crash or a NATS outage
 * between commit and publish). Several copies may send the same row: the event id makes that harmless.
 */
@Injectable()
export class SubmittedRepublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(SubmittedPublisher) private readonly publisher: SubmittedPublisher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.INTAKE_REPUBLISH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.republishDue()
      .then((n) => {
        if (n > 0) this.logger.info({ count: n }, 'republished pending intent.submitted events');
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'republish pass failed');
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /** One pass; returns how many events were sent. Stops at the first failure (NATS is likely down). */
  async republishDue(): Promise<number> {
    const olderThan = new Date(this.clock.now().getTime() - this.config.INTAKE_REPUBLISH_AFTER_MS);
    const due = await this.prisma.intent.findMany({
      where: { publishedAt: null, createdAt: { lt: olderThan } },
      orderBy: { createdAt: 'asc' },
      take: BATCH,
    });
    for (const row of due) await this.publisher.publish(row);
    return due.length;
  }
}
