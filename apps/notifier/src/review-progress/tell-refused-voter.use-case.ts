import { Inject, Injectable } from '@nestjs/common';
import type { EventOf, ReviewVoteRefusedV1 } from '@countersign/contracts';
import { BackgroundTasks } from '../background-tasks.js';
import { REVIEW_CHANNELS, type ReviewChannel } from '../channels/review-channel.js';
import { TEAMS_CHANNEL } from '../channels/teams/teams.channel.js';
import { DeliveryStore } from '../delivery/delivery-store.js';

/**
 * review.vote_refused from a chat channel → a note to the person whose click did not count, next to
 * the review's message. Best effort, in the background: the note only helps while the person looks at
 * the message, and a slow chat API must not hold up the consumer (and so the console).
 */
@Injectable()
export class TellRefusedVoter {
  constructor(
    private readonly store: DeliveryStore,
    private readonly background: BackgroundTasks,
    @Inject(REVIEW_CHANNELS) private readonly channels: ReviewChannel[],
  ) {}

  async execute(event: EventOf<typeof ReviewVoteRefusedV1>): Promise<boolean> {
    const { reviewId, channel: channelName, voter, code, reason, decision } = event.data;
    const channel = this.channels.find((c) => c.name === channelName && c.external);
    if (!channel || !voter.channelUser) return false;
    // Teams tells an unmapped person at once, in the answer to their click (Teams has no private notes
    // in a channel, so a second, public reply would only repeat it).
    if (channelName === TEAMS_CHANNEL && code === 'NOT_MAPPED') return false;
    const delivery = await this.store.findDelivered(reviewId, channelName);
    if (!delivery?.externalRef) return false;
    const ref = delivery.externalRef;
    const to = { channelUser: voter.channelUser, subject: voter.subject };
    const text = `Your ${decision === 'approve' ? 'approval' : 'rejection'} did not count: ${reason} (${code})`;
    this.background.run('tell refused voter', () => channel.tellVoter(ref, to, text), { reviewId, code });
    return true;
  }
}
