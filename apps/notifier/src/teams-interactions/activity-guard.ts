import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import { PRISMA } from '../database/prisma.provider.js';
import { errorSummary } from '../errors-summary.js';
import { LOGGER } from '../tokens.js';

const PRUNE_EVERY_MS = 10 * 60_000;
/** A Bot Framework token lives about an hour (+5 min skew); after a day a replay has no valid token left. */
const KEEP_MS = 24 * 3600_000;

/**
 * Refuses a Bot Framework activity seen before. Its token is a bearer token, valid for its whole life
 * whatever the body, so the verified token does not stop a replay: the activity id does. The primary
 * key makes "first one wins" atomic across copies of notifier.
 */
@Injectable()
export class TeamsActivityGuard implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** True the first time an activity id is seen, false for a replay. */
  async firstSeen(activityId: string): Promise<boolean> {
    const inserted = await this.prisma.teamsSeenActivity.createMany({ data: [{ activityId, receivedAt: this.clock.now() }], skipDuplicates: true });
    return inserted.count > 0;
  }

  /** Forgets an activity whose vote could not be published, so that a retry of it is not refused. */
  async forget(activityId: string): Promise<void> {
    await this.prisma.teamsSeenActivity.deleteMany({ where: { activityId } });
  }

  async prune(): Promise<number> {
    const horizon = new Date(this.clock.now().getTime() - KEEP_MS);
    const { count } = await this.prisma.teamsSeenActivity.deleteMany({ where: { receivedAt: { lt: horizon } } });
    return count;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.prune().catch((err: unknown) => this.logger.warn({ error: errorSummary(err) }, 'pruning seen Teams activities failed'));
    }, PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
