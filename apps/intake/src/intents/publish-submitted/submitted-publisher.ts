import { Inject, Injectable } from '@nestjs/common';
import { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock } from '@countersign/platform/runtime';
import { IntakeError } from '../../errors/intake-error.js';
import { LOGGER } from '../../infra/tokens.js';
import type { IntentRow } from '../intent-record.js';
import { submittedEventOf } from './submitted-event.js';

/** Publishes a stored intent's submitted event, then records that it left (the outbox's second half). */
@Injectable()
export class SubmittedPublisher {
  constructor(
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async publish(row: IntentRow): Promise<void> {
    const event = submittedEventOf(row);
    await this.publisher.publish(event);
    await this.prisma.intent.updateMany({
      where: { id: row.id, publishedAt: null },
      data: { publishedAt: this.clock.now() },
    });
  }

  /** For the request path: a failure becomes a retryable 503; the row stays for the republisher. */
  async publishOrFail(row: IntentRow): Promise<void> {
    try {
      await this.publish(row);
    } catch (error) {
      this.logger.warn(
        { intentId: row.id, eventId: row.submittedEventId, err: error instanceof Error ? error.message : String(error) },
        'publishing intent.submitted failed; left for the republisher',
      );
      throw new IntakeError(
        'PUBLISH_FAILED',
        'the intent was stored but could not be queued yet; retry with the same Idempotency-Key',
        { retryAfterSeconds: 1 },
      );
    }
  }
}
