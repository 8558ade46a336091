import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ReviewVoteCastV1, type EventOf } from '@countersign/contracts';
import type { DeliveredEvent } from '@countersign/platform/nats';
import { OnEventBatch } from '@countersign/platform/nest';
import { RecordVote } from './record-vote.use-case.js';
import { voteRequestOf } from './vote-request.js';

type VoteCast = EventOf<typeof ReviewVoteCastV1>;

/**
 * Votes from the channels (Slack, Teams, webhooks) arrive as review.vote_cast. One at a time, in stream
 * order, each in its own transaction: two clicks on one review are then decided one after the other.
 */
@Controller()
export class VoteCastHandler {
  constructor(private readonly recordVote: RecordVote) {}

  @OnEventBatch(ReviewVoteCastV1)
  async handle(@Payload() items: DeliveredEvent[]): Promise<void> {
    for (const { event } of items) {
      if (event.type !== ReviewVoteCastV1.type) continue;
      const cast = event as VoteCast;
      await this.recordVote.execute({ eventId: cast.id, reviewId: cast.data.reviewId, intentId: cast.intentId, vote: voteRequestOf(cast) });
    }
  }
}
