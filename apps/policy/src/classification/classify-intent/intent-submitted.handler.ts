import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IntentSubmittedV1 } from '@countersign/contracts';
import type { DeliveredEvent } from '@countersign/platform/nats';
import { OnEventBatch } from '@countersign/platform/nest';
import { ClassifyIntents, isSubmitted } from './classify-intents.use-case.js';

/**
 * The JetStream edge: whatever the consumer holds arrives here as one batch, already validated and
 * in stream order; errors go back to the transport, which retries the whole batch.
 */
@Controller()
export class IntentSubmittedHandler {
  constructor(private readonly classifyIntents: ClassifyIntents) {}

  @OnEventBatch(IntentSubmittedV1)
  async handle(@Payload() items: DeliveredEvent[]): Promise<void> {
    await this.classifyIntents.execute(items.map((i) => i.event).filter(isSubmitted));
  }
}
