import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ALL_EVENTS, IntentSubmittedV1, type EventDefinition } from '@countersign/contracts';
import { isLifecycleEventType } from '@countersign/domain';
import type { DeliveredEvent } from '@countersign/platform/nats';
import { OnEventBatch } from '@countersign/platform/nest';
import { ApplyLifecycleBatch } from './apply-lifecycle-batch.use-case.js';

/**
 * Every contract event that moves an intent's state (intent.* and grant.* lifecycle events), except
 * intent.submitted: intake itself stores the row in state `submitted` before publishing that event, so
 * for this read model it is always a no-op, and skipping it halves the batches per intent.
 */
export const READ_MODEL_EVENTS: readonly EventDefinition[] = ALL_EVENTS.filter(
  (def) => isLifecycleEventType(def.type) && def.subject !== IntentSubmittedV1.subject,
);

@Controller()
export class IntentReadModelHandler {
  constructor(@Inject(ApplyLifecycleBatch) private readonly applyBatch: ApplyLifecycleBatch) {}

  /** Whatever the consumer has buffered arrives here at once, in stream order; acked after the commit. */
  @OnEventBatch(...READ_MODEL_EVENTS)
  async handle(@Payload() items: DeliveredEvent[]): Promise<void> {
    await this.applyBatch.execute(items.map((i) => i.event));
  }
}
