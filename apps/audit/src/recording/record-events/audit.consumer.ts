import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SubjectFilters } from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import { DurableConsumer, EventPublisher, type DeliveredEvent, type NatsConnection } from '@countersign/platform/nats';
import { NATS_CONNECTION } from '@countersign/platform/nest';
import { RecordEvents } from './record-events.use-case.js';

export const AUDIT_LOGGER = Symbol('AUDIT_LOGGER');
export const AUDIT_CONSUMER_OPTIONS = Symbol('AUDIT_CONSUMER_OPTIONS');

export interface AuditConsumerOptions {
  durable: string;
  batchSize: number;
}

/**
 * The JetStream edge of audit. It uses DurableConsumer's batch mode directly rather than the Nest
 * transport (which hands handlers one event at a time): one transaction and one INSERT per batch is
 * what lets one writer keep up with every event in the system.
 *
 * An audit log must not drop events, so a batch is retried for ever (with backoff) while Postgres is
 * away instead of being given up after N deliveries. Malformed messages are still terminated (and a
 * rejection event, itself audited, is published) by the consumer before the batch reaches us.
 */
@Injectable()
export class AuditConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: DurableConsumer | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly publisher: EventPublisher,
    private readonly recordEvents: RecordEvents,
    @Inject(AUDIT_LOGGER) private readonly logger: Logger,
    @Inject(AUDIT_CONSUMER_OPTIONS) private readonly opts: AuditConsumerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new DurableConsumer({
      nc: this.nc,
      durable: this.opts.durable,
      filterSubjects: [SubjectFilters.all],
      publisher: this.publisher,
      logger: this.logger,
      handleBatch: (items) => this.record(items),
      batchSize: this.opts.batchSize,
      maxDeliver: Number.MAX_SAFE_INTEGER,
    });
    await this.consumer.start();
    this.logger.info({ durable: this.opts.durable, batchSize: this.opts.batchSize }, 'audit consumer started');
  }

  /** Before the NATS connection drains: the in-flight batch commits and is acked first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  private async record(items: DeliveredEvent[]): Promise<void> {
    const result = await this.recordEvents.execute(items);
    this.logger.debug({ appended: result.appended, skipped: result.skipped, headSeq: result.head.seq }, 'audit batch stored');
  }
}
