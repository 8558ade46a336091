import { BaseRpcContext } from '@nestjs/microservices';
import type { Delivery } from '../nats/index.js';

/**
 * What `@Ctx()` gives a JetStream handler: the delivery facts (subject, sequence, attempt, headers).
 * A batch handler's context holds every delivery of its call; `delivery` is then the first one.
 */
export class JetStreamContext extends BaseRpcContext<[Delivery, (readonly Delivery[])?]> {
  get delivery(): Delivery {
    return this.args[0];
  }

  get deliveries(): readonly Delivery[] {
    return this.args[1] ?? [this.args[0]];
  }
}
