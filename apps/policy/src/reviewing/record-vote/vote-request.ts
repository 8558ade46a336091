import type { EventOf, ReviewVoteCastV1 } from '@countersign/contracts';
import type { VoteRequest } from '@countersign/domain';

export function voteRequestOf(cast: EventOf<typeof ReviewVoteCastV1>): VoteRequest {
  const { decision, reason, voter, channel, breakGlass, stepUp } = cast.data;
  return { decision, voter, channel, breakGlass, stepUp, ...(reason ? { reason } : {}) };
}
