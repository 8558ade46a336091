import { Inject, Injectable } from '@nestjs/common';
import { createEvent, ReviewVoteCastV1, ReviewVoteRefusedV1, type VoteDecision } from '@countersign/contracts';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { formatSlackUser, type SlackUser } from '../channels/slack/slack-refs.js';
import { Directory } from '../directory/directory.js';
import { NotifierError } from '../errors/notifier-error.js';
import { errorSummary } from '../errors-summary.js';
import { LOGGER } from '../tokens.js';

export const SLACK_AUTH_METHOD = 'slack-signature+directory';
/** Who an unmapped Slack account is, for the refusal's record: nothing the directory vouches for. */
export const UNMAPPED_ISSUER = 'urn:countersign:slack';

export interface SlackVote {
  reviewId: string;
  intentId: string;
  decision: VoteDecision;
  reason?: string;
  from: SlackUser;
}

export type SlackVoteResult = { cast: true; subject: string } | { cast: false; code: 'NOT_MAPPED' };

/**
 * A verified click → review.vote_cast with the directory identity behind the Slack account, or, for an
 * account mapped to nobody, review.vote_refused NOT_MAPPED (the refusal is evidence, and its consumer
 * tells the person why). Policy decides whether a cast vote counts.
 */
@Injectable()
export class SlackVotes {
  constructor(
    private readonly directory: Directory,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async isMapped(u: SlackUser): Promise<boolean> {
    return (await this.directory.findSlackUser(u.team, u.user)) !== undefined;
  }

  async submit(vote: SlackVote): Promise<SlackVoteResult> {
    const channelUser = formatSlackUser(vote.from);
    const identity = await this.directory.findSlackUser(vote.from.team, vote.from.user);
    const base = { id: this.ids.next(), occurredAt: this.clock.now(), intentId: vote.intentId };
    if (!identity) {
      await this.publish(
        createEvent(ReviewVoteRefusedV1, {
          ...base,
          actor: { kind: 'service', id: 'notifier' },
          data: {
            reviewId: vote.reviewId,
            decision: vote.decision,
            voter: { subject: `slack:${channelUser}`, issuer: UNMAPPED_ISSUER, groups: [], authMethod: 'slack-signature', channelUser },
            channel: 'slack',
            code: 'NOT_MAPPED',
            reason: 'your Slack account is not linked to a directory identity, so your vote cannot count; ask an administrator to add it',
          },
        }),
      );
      return { cast: false, code: 'NOT_MAPPED' };
    }
    await this.publish(
      createEvent(ReviewVoteCastV1, {
        ...base,
        actor: { kind: 'user', id: identity.subject, issuer: identity.issuer },
        data: {
          reviewId: vote.reviewId,
          decision: vote.decision,
          ...(vote.reason !== undefined ? { reason: vote.reason } : {}),
          voter: { subject: identity.subject, issuer: identity.issuer, groups: identity.groups, authMethod: SLACK_AUTH_METHOD, channelUser },
          channel: 'slack',
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
      this.logger.error({ eventId: event.id, type: event.type, error: errorSummary(err) }, 'publishing a Slack vote failed');
      // Slack shows the person an error for a non-200 answer; they can click again.
      throw new NotifierError('PUBLISH_FAILED', 'the vote could not be recorded; try again', { retryAfterSeconds: 1 });
    }
  }
}
