import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  IntentApprovedV1,
  IntentExpiredV1,
  IntentRejectedV1,
  ReviewConcludedV1,
  ReviewEscalatedV1,
  ReviewExpiringV1,
  ReviewVoteRecordedV1,
  ReviewVoteRefusedV1,
  type EventOf,
} from '@countersign/contracts';
import { OnEvent } from '@countersign/platform/nest';
import { RecordNotice } from './record-notice.use-case.js';
import { RecordOutcome, type OutcomeEvent } from './record-outcome.use-case.js';
import { RecordVote } from './record-vote.use-case.js';
import { TellRefusedVoter } from './tell-refused-voter.use-case.js';

@Controller()
export class ReviewEventsHandler {
  constructor(
    private readonly recordOutcome: RecordOutcome,
    private readonly recordVote: RecordVote,
    private readonly tellRefusedVoter: TellRefusedVoter,
    private readonly recordNotice: RecordNotice,
  ) {}

  @OnEvent(IntentApprovedV1)
  async approved(@Payload() event: EventOf<typeof IntentApprovedV1>): Promise<void> {
    await this.outcome(event);
  }

  @OnEvent(IntentRejectedV1)
  async rejected(@Payload() event: EventOf<typeof IntentRejectedV1>): Promise<void> {
    await this.outcome(event);
  }

  @OnEvent(IntentExpiredV1)
  async expired(@Payload() event: EventOf<typeof IntentExpiredV1>): Promise<void> {
    await this.outcome(event);
  }

  @OnEvent(ReviewConcludedV1)
  async concluded(@Payload() event: EventOf<typeof ReviewConcludedV1>): Promise<void> {
    await this.outcome(event);
  }

  @OnEvent(ReviewVoteRecordedV1)
  async voteRecorded(@Payload() event: EventOf<typeof ReviewVoteRecordedV1>): Promise<void> {
    await this.recordVote.execute(event);
  }

  @OnEvent(ReviewVoteRefusedV1)
  async voteRefused(@Payload() event: EventOf<typeof ReviewVoteRefusedV1>): Promise<void> {
    await this.tellRefusedVoter.execute(event);
  }

  @OnEvent(ReviewExpiringV1)
  async expiring(@Payload() event: EventOf<typeof ReviewExpiringV1>): Promise<void> {
    await this.recordNotice.execute(event);
  }

  @OnEvent(ReviewEscalatedV1)
  async escalated(@Payload() event: EventOf<typeof ReviewEscalatedV1>): Promise<void> {
    await this.recordNotice.execute(event);
  }

  private async outcome(event: OutcomeEvent): Promise<void> {
    await this.recordOutcome.execute(event);
  }
}
