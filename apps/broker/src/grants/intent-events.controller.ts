import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IntentApprovedV1, IntentClassifiedV1, IntentExpiredV1, IntentRejectedV1, IntentSubmittedV1, IntentWithdrawnV1 } from '@countersign/contracts';
import type { DeliveredEvent } from '@countersign/platform/nats';
import { OnEventBatch } from '@countersign/platform/nest';
import { IssueGrants } from './issue-grant/issue-grants.use-case.js';

/**
 * Durable consumer `broker`: remembers submitted intents, issues a grant when one is allowed, and
 * remembers intents closed for good (rejected, expired, withdrawn) so that nothing later grants them. The
 * transport hands over whatever it holds as one batch, in stream order; an error naks the batch.
 */
@Controller()
export class IntentEventsController {
  constructor(@Inject(IssueGrants) private readonly issueGrants: IssueGrants) {}

  @OnEventBatch(IntentSubmittedV1, IntentClassifiedV1, IntentApprovedV1, IntentRejectedV1, IntentExpiredV1, IntentWithdrawnV1)
  async handle(@Payload() items: DeliveredEvent[]): Promise<void> {
    await this.issueGrants.execute(items.map((i) => i.event));
  }
}
