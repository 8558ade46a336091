import type { EventOf, ReviewVoteCastV1 } from '@countersign/contracts';
import { NO_STEP_UP, type VoteRequest } from '@countersign/domain';

/**
 * A vote as it arrived on NATS. Its `stepUp` flag is never trusted: a step-up vote counts only with an
 * assertion policy verified itself (the API path sets the verdict), and NATS votes carry none.
 */
export function voteRequestOf(cast: EventOf<typeof ReviewVoteCastV1>): VoteRequest {
  const { decision, reason, voter, channel, breakGlass } = cast.data;
  return { decision, voter, channel, breakGlass, stepUp: NO_STEP_UP, ...(reason ? { reason } : {}) };
}
