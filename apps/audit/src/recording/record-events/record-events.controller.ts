import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ALL_EVENTS } from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import type { DeliveredEvent } from '@countersign/platform/nats';
import { OnEventBatch } from '@countersign/platform/nest';
import { RecordEvents } from './record-events.use-case.js';

export const AUDIT_LOGGER = Symbol('AUDIT_LOGGER');

/**
 * The JetStream edge of audit: every event of the system (MessageRejectedV1 included) arrives here a
 * pulled batch at a time, already validated and in stream order, and goes to the chain in one
 * transaction. A throw naks the whole batch, which the transport retries for ever (see bootstrap);
 * RecordEvents skips what a previous try already stored.
 */
@Controller()
export class RecordEventsController {
  constructor(
    private readonly recordEvents: RecordEvents,
    @Inject(AUDIT_LOGGER) private readonly logger: Logger,
  ) {}

  @OnEventBatch(...ALL_EVENTS)
  async handle(@Payload() items: DeliveredEvent[]): Promise<void> {
    const result = await this.recordEvents.execute(items);
    this.logger.debug({ appended: result.appended, skipped: result.skipped, headSeq: result.head.seq }, 'audit batch stored');
  }
}
