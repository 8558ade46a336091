import { Injectable } from '@nestjs/common';
import type { VoteDecision } from '@countersign/contracts';
import { formatTeamsUser, type TeamsUser } from '../channels/teams/teams-refs.js';
import { ChatVotes, type ChatChannelTerms, type ChatVoteResult } from '../chat-votes/chat-votes.js';
import { Directory } from '../directory/directory.js';

export const TEAMS_AUTH_METHOD = 'teams-jwt+directory';
/** Who an unmapped Teams account is, for the refusal's record: nothing the directory vouches for. */
export const TEAMS_UNMAPPED_ISSUER = 'urn:countersign:teams';

const TEAMS_TERMS: ChatChannelTerms = {
  channel: 'teams',
  authMethod: TEAMS_AUTH_METHOD,
  unmappedAuthMethod: 'teams-jwt',
  unmappedIssuer: TEAMS_UNMAPPED_ISSUER,
  accountName: 'Teams account',
};

export interface TeamsVote {
  reviewId: string;
  intentId: string;
  decision: VoteDecision;
  reason?: string;
  from: TeamsUser;
}

/** A verified Teams click → a vote by the directory identity behind the account, or NOT_MAPPED (see ChatVotes). */
@Injectable()
export class TeamsVotes {
  constructor(
    private readonly directory: Directory,
    private readonly votes: ChatVotes,
  ) {}

  async submit(vote: TeamsVote): Promise<ChatVoteResult> {
    const identity = await this.directory.findTeamsUser(vote.from.tenant, vote.from.aadObjectId);
    const { from, ...rest } = vote;
    return this.votes.submit(TEAMS_TERMS, { ...rest, channelUser: formatTeamsUser(from), identity });
  }
}
