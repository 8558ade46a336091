import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  IntentApprovedV1,
  IntentClassifiedV1,
  IntentSubmittedV1,
  type EventOf,
} from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import { OnEvent } from '@countersign/platform/nest';
import { LOGGER } from '../tokens.js';
import { issueGrantCommand, type AllowingEvent } from './issue-grant/issue-grant.command.js';
import { IssueGrant } from './issue-grant/issue-grant.use-case.js';
import { RecordIntent } from './record-intent/record-intent.use-case.js';

/** Durable consumer `broker`: remembers submitted intents, issues a grant when one is allowed. */
@Controller()
export class IntentEventsController {
  constructor(
    @Inject(RecordIntent) private readonly recordIntent: RecordIntent,
    @Inject(IssueGrant) private readonly issueGrant: IssueGrant,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @OnEvent(IntentSubmittedV1)
  async submitted(@Payload() event: EventOf<typeof IntentSubmittedV1>): Promise<void> {
    await this.recordIntent.execute(event);
  }

  @OnEvent(IntentClassifiedV1)
  async classified(@Payload() event: EventOf<typeof IntentClassifiedV1>): Promise<void> {
    await this.allow(event);
  }

  @OnEvent(IntentApprovedV1)
  async approved(@Payload() event: EventOf<typeof IntentApprovedV1>): Promise<void> {
    await this.allow(event);
  }

  private async allow(event: AllowingEvent): Promise<void> {
    const command = issueGrantCommand(event);
    if ('skip' in command) {
      this.logger.debug({ eventId: event.id, reason: command.skip }, 'no grant');
      return;
    }
    await this.issueGrant.execute(command);
  }
}
