import { BaseRpcContext } from '@nestjs/microservices';
import type { Delivery } from '../nats/index.js';

/** What `@Ctx()` gives a JetStream handler: the delivery facts (subject, sequence, attempt, headers). */
export class JetStreamContext extends BaseRpcContext<[Delivery]> {
  get delivery(): Delivery {
    return this.args[0];
  }
}
