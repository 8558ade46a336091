import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IntentSubmittedV1, type EventOf } from '@countersign/contracts';
import { OnEvent } from '@countersign/platform/nest';
import { ClassifyIntent } from './classify-intent.use-case.js';

/** The JetStream edge: the transport has already validated the event; errors go back to it for retry. */
@Controller()
export class IntentSubmittedHandler {
  constructor(private readonly classifyIntent: ClassifyIntent) {}

  @OnEvent(IntentSubmittedV1)
  async handle(@Payload() event: EventOf<typeof IntentSubmittedV1>): Promise<void> {
    await this.classifyIntent.execute(event);
  }
}
