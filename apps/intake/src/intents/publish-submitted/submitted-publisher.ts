import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { IntakeError } from '../../errors/intake-error.js';
import { LOGGER } from '../../infra/tokens.js';
import type { Intent } from '@countersign/contracts';
import type { IntentRow } from '../intent-record.js';
import { PublishedMarks } from './published-marks.js';
import { submittedEventOf } from './submitted-event.js';

/** Publishes stored intents' submitted events, then records that they left (the outbox's second half). */
@Injectable()
export class SubmittedPublisher {
  constructor(
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(PublishedMarks) private readonly marks: PublishedMarks,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async publish(row: IntentRow, intent?: Intent): Promise<void> {
    await this.publisher.publish(submittedEventOf(row, intent));
    this.marks.add(row.id);
  }

  /** Pipelined; on failure nothing is marked (some may have left: the next attempt is deduplicated). */
  async publishAll(rows: readonly IntentRow[]): Promise<void> {
    await this.publisher.publishAll(rows.map((row) => submittedEventOf(row)));
    for (const row of rows) this.marks.add(row.id);
  }

  /** For the request path: a failure becomes a retryable 503; the row stays for the republisher. */
  async publishOrFail(row: IntentRow, intent?: Intent): Promise<void> {
    try {
      await this.publish(row, intent);
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
