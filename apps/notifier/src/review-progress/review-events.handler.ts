import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  IntentApprovedV1,
  IntentExpiredV1,
  IntentRejectedV1,
  ReviewVoteRecordedV1,
  ReviewVoteRefusedV1,
  type EventOf,
} from '@countersign/contracts';
import { OnEvent } from '@countersign/platform/nest';
import { RecordOutcome, type OutcomeEvent } from './record-outcome.use-case.js';
import { RecordVote } from './record-vote.use-case.js';
import { TellRefusedVoter } from './tell-refused-voter.use-case.js';

@Controller()
export class ReviewEventsHandler {
  constructor(
    private readonly recordOutcome: RecordOutcome,
    private readonly recordVote: RecordVote,
    private readonly tellRefusedVoter: TellRefusedVoter,
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

  @OnEvent(ReviewVoteRecordedV1)
  async voteRecorded(@Payload() event: EventOf<typeof ReviewVoteRecordedV1>): Promise<void> {
    await this.recordVote.execute(event);
  }

  @OnEvent(ReviewVoteRefusedV1)
  async voteRefused(@Payload() event: EventOf<typeof ReviewVoteRefusedV1>): Promise<void> {
    await this.tellRefusedVoter.execute(event);
  }

  private async outcome(event: OutcomeEvent): Promise<void> {
    await this.recordOutcome.execute(event);
  }
}
