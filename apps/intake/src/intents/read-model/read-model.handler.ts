import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ALL_EVENTS, type CountersignEvent } from '@countersign/contracts';
import { isLifecycleEventType } from '@countersign/domain';
import { OnEvents } from '@countersign/platform/nest';
import { ApplyLifecycleEvent } from './apply-lifecycle-event.use-case.js';

/** Every contract event that moves an intent's state (intent.* and grant.* lifecycle events). */
export const READ_MODEL_EVENTS = ALL_EVENTS.filter((def) => isLifecycleEventType(def.type));

@Controller()
export class IntentReadModelHandler {
  constructor(@Inject(ApplyLifecycleEvent) private readonly applyEvent: ApplyLifecycleEvent) {}

  @OnEvents(...READ_MODEL_EVENTS)
  async handle(@Payload() event: CountersignEvent): Promise<void> {
    await this.applyEvent.execute(event);
  }
}
