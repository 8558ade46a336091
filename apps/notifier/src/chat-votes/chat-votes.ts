import { Inject, Injectable } from '@nestjs/common';
import { createEvent, ReviewVoteCastV1, ReviewVoteRefusedV1, type VoteDecision } from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import type { DirectoryIdentity } from '../directory/directory.js';
import { NotifierError } from '../errors/notifier-error.js';
import { errorSummary } from '../errors-summary.js';
import { LOGGER } from '../tokens.js';

/** How a chat channel names what it verified, for the vote's record. */
export interface ChatChannelTerms {
  channel: 'slack' | 'teams';
  /** `authMethod` of a mapped person's vote, e.g. `slack-signature+directory`. */
  authMethod: string;
  /** `authMethod` of an unmapped account's refusal: the channel vouched for the account, nobody for the person. */
  unmappedAuthMethod: string;
  /** Issuer recorded for an unmapped account: nothing the directory vouches for. */
  unmappedIssuer: string;
  /** How the person is told, e.g. "Slack account". */
  accountName: string;
}

export interface ChatVote {
  reviewId: string;
  intentId: string;
  decision: VoteDecision;
  reason?: string;
  /** The chat account, as the channel formats it (`<team>/<user>`, `<tenant>/<aadObjectId>`). */
  channelUser: string;
  /** The directory identity behind the account; undefined when it is mapped to nobody. */
  identity: DirectoryIdentity | undefined;
}

export type ChatVoteResult = { cast: true; subject: string } | { cast: false; code: 'NOT_MAPPED'; reason: string };

/** What an unmapped person is told (also the refusal's reason). */
export function notMappedReason(accountName: string): string {
  return `your ${accountName} is not linked to a directory identity, so your vote cannot count; ask an administrator to add it`;
}

/**
 * A verified chat click → review.vote_cast with the directory identity behind the account, or, for an
 * account mapped to nobody, review.vote_refused NOT_MAPPED (the refusal is evidence, and the person is
 * told why). Policy decides whether a cast vote counts.
 */
@Injectable()
export class ChatVotes {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async submit(terms: ChatChannelTerms, vote: ChatVote): Promise<ChatVoteResult> {
    const { channelUser, identity } = vote;
    const base = { id: this.ids.next(), occurredAt: this.clock.now(), intentId: vote.intentId };
    if (!identity) {
      const reason = notMappedReason(terms.accountName);
      await this.publish(
        createEvent(ReviewVoteRefusedV1, {
          ...base,
          actor: { kind: 'service', id: 'notifier' },
          data: {
            reviewId: vote.reviewId,
            decision: vote.decision,
            voter: { subject: `${terms.channel}:${channelUser}`, issuer: terms.unmappedIssuer, groups: [], authMethod: terms.unmappedAuthMethod, channelUser },
            channel: terms.channel,
            code: 'NOT_MAPPED',
            reason,
          },
        }),
      );
      return { cast: false, code: 'NOT_MAPPED', reason };
    }
    await this.publish(
      createEvent(ReviewVoteCastV1, {
        ...base,
        actor: { kind: 'user', id: identity.subject, issuer: identity.issuer },
        data: {
          reviewId: vote.reviewId,
          decision: vote.decision,
          ...(vote.reason !== undefined ? { reason: vote.reason } : {}),
          voter: { subject: identity.subject, issuer: identity.issuer, groups: identity.groups, authMethod: terms.authMethod, channelUser },
          channel: terms.channel,
          breakGlass: false,
          stepUp: false,
        },
      }),
    );
    return { cast: true, subject: identity.subject };
  }

  private async publish(event: Parameters<EventPublisher['publish']>[0]): Promise<void> {
    try {
      await this.publisher.publish(event);
    } catch (err) {
      this.logger.error({ eventId: event.id, type: event.type, error: errorSummary(err) }, 'publishing a chat vote failed');
      // The chat client shows the person an error for a non-200 answer; they can click again.
      throw new NotifierError('PUBLISH_FAILED', 'the vote could not be recorded; try again', { retryAfterSeconds: 1 });
    }
  }
}
