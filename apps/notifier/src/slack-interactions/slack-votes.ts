import { Injectable } from '@nestjs/common';
import type { VoteDecision } from '@countersign/contracts';
import { formatSlackUser, type SlackUser } from '../channels/slack/slack-refs.js';
import { ChatVotes, type ChatChannelTerms, type ChatVoteResult } from '../chat-votes/chat-votes.js';
import { Directory } from '../directory/directory.js';

export const SLACK_AUTH_METHOD = 'slack-signature+directory';
/** Who an unmapped Slack account is, for the refusal's record: nothing the directory vouches for. */
export const UNMAPPED_ISSUER = 'urn:countersign:slack';

const SLACK_TERMS: ChatChannelTerms = {
  channel: 'slack',
  authMethod: SLACK_AUTH_METHOD,
  unmappedAuthMethod: 'slack-signature',
  unmappedIssuer: UNMAPPED_ISSUER,
  accountName: 'Slack account',
};

export interface SlackVote {
  reviewId: string;
  intentId: string;
  decision: VoteDecision;
  reason?: string;
  from: SlackUser;
}

/** A verified Slack click → a vote by the directory identity behind the account, or NOT_MAPPED (see ChatVotes). */
@Injectable()
export class SlackVotes {
  constructor(
    private readonly directory: Directory,
    private readonly votes: ChatVotes,
  ) {}

  async isMapped(u: SlackUser): Promise<boolean> {
    return (await this.directory.findSlackUser(u.team, u.user)) !== undefined;
  }

  async submit(vote: SlackVote): Promise<ChatVoteResult> {
    const identity = await this.directory.findSlackUser(vote.from.team, vote.from.user);
    const { from, ...rest } = vote;
    return this.votes.submit(SLACK_TERMS, { ...rest, channelUser: formatSlackUser(from), identity });
  }
}
