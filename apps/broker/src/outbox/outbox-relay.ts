import type { CountersignEvent } from '@countersign/contracts';
import type { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import type { EventPublisher } from '@countersign/platform/nats';

/**
 * Publishes events that were committed to broker.outbox. The use case that wrote them publishes at
 * once; `flushPending` catches up on what a crash or a NATS outage left behind. Publishing twice is
 * harmless: the event id is the Nats-Msg-Id, so the stream keeps one copy.
 */
export class OutboxRelay {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
  ) {}

  /** Best effort: a failure is logged and left to flushPending; the caller's transition already stands. */
  async publish(events: readonly CountersignEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.publisher.publishAll(events);
      await this.markPublished(events.map((e) => e.id));
    } catch (err) {
      this.logger.warn({ err, count: events.length }, 'outbox publish failed; the relay retries');
    }
  }

  /** Publishes events still unpublished `graceMs` after they were written. Returns how many. */
  async flushPending(graceMs: number, limit = 200): Promise<number> {
    const rows = await this.prisma.$queryRaw<Array<{ event: CountersignEvent }>>`SELECT event
      FROM broker.outbox
      WHERE published_at IS NULL AND created_at < now() - make_interval(secs => ${graceMs / 1000}::float8)
      ORDER BY created_at LIMIT ${limit}`;
    if (rows.length === 0) return 0;
    const events = rows.map((r) => r.event);
    await this.publisher.publishAll(events);
    await this.markPublished(events.map((e) => e.id));
    return events.length;
  }

  private async markPublished(ids: string[]): Promise<void> {
    await this.prisma.$executeRaw`UPDATE broker.outbox SET published_at = now()
      WHERE event_id = ANY(${ids}::uuid[]) AND published_at IS NULL`;
  }
}
