import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IntentWithdrawnV1, type EventOf } from '@countersign/contracts';
import type { DeliveredEvent } from '@countersign/platform/nats';
import { RetryLaterError } from '@countersign/platform/nats';
import { OnEventBatch } from '@countersign/platform/nest';
import { WithdrawIntentReview } from './withdraw-intent.use-case.js';

/** intent.withdrawn (published by intake for the requester): one at a time, each in its own transaction. */
@Controller()
export class IntentWithdrawnHandler {
  constructor(private readonly withdraw: WithdrawIntentReview) {}

  @OnEventBatch(IntentWithdrawnV1)
  async handle(@Payload() items: DeliveredEvent[]): Promise<void> {
    const later: string[] = [];
    for (const { event } of items) {
      if (event.type !== IntentWithdrawnV1.type) continue;
      try {
        await this.withdraw.execute(event as EventOf<typeof IntentWithdrawnV1>);
      } catch (error) {
        if (!(error instanceof RetryLaterError)) throw error;
        later.push(event.id);
      }
    }
    // The others are committed; only the early ones come again.
    if (later.length > 0) throw new RetryLaterError(`${later.length} withdrawal(s) of intents not classified yet`, 500, later);
  }
}
