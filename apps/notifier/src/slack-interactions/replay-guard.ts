import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import { PRISMA } from '../database/prisma.provider.js';
import { errorSummary } from '../errors-summary.js';
import { LOGGER } from '../tokens.js';
import { SLACK_TIMESTAMP_TOLERANCE_SECONDS, type VerifiedSlackRequest } from './verify-signature.js';

const PRUNE_EVERY_MS = 60_000;

/**
 * Refuses a verified Slack request seen before. The signature covers body and timestamp, so it is
 * unique per request; the primary key makes "first one wins" atomic across copies of notifier. Rows
 * outside the timestamp window are dropped: such a replay is refused as stale anyway.
 */
@Injectable()
export class ReplayGuard implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** True the first time a signature is seen, false for a replay. */
  async firstSeen(req: VerifiedSlackRequest): Promise<boolean> {
    const inserted = await this.prisma.slackSeenRequest.createMany({
      data: [{ signature: req.signature, requestTs: req.timestamp }],
      skipDuplicates: true,
    });
    return inserted.count > 0;
  }

  async prune(): Promise<number> {
    const horizon = new Date(this.clock.now().getTime() - 2 * SLACK_TIMESTAMP_TOLERANCE_SECONDS * 1000);
    const { count } = await this.prisma.slackSeenRequest.deleteMany({ where: { requestTs: { lt: horizon } } });
    return count;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.prune().catch((err: unknown) => this.logger.warn({ error: errorSummary(err) }, 'pruning seen Slack requests failed'));
    }, PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
