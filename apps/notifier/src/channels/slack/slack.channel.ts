import type { WebClient } from '@slack/web-api';
import type { ChannelNotice, ChannelOutcome, ChannelReview, NoteRecipient, ReviewChannel } from '../review-channel.js';
import { destinationOf, type GroupRoutes } from '../routing.js';
import { noticeMessage, outcomeMessage, reviewMessage } from './review-blocks.js';
import { DEFAULT_CONSOLE_URL } from '../console-link.js';
import { rejectReasonView } from './reject-reason-view.js';
import { formatMessageRef, parseMessageRef, parseSlackUser } from './slack-refs.js';

export const SLACK_CHANNEL = 'slack';

/** Posts reviews to the Slack channel of their approver group (or the default one) and keeps the message in step with the review. */
export class SlackChannel implements ReviewChannel {
  readonly name = SLACK_CHANNEL;
  readonly external = true;

  constructor(
    private readonly client: WebClient,
    private readonly channelId: string,
    private readonly routes: GroupRoutes = {},
    private readonly consoleUrl: string = DEFAULT_CONSOLE_URL,
  ) {}

  async post(review: ChannelReview): Promise<string> {
    const channel = destinationOf(review, this.routes, this.channelId);
    const res = await this.client.chat.postMessage({ channel, ...reviewMessage(review, this.consoleUrl) });
    if (!res.ts || !res.channel) throw new Error('chat.postMessage answered without channel and ts');
    return formatMessageRef({ channel: res.channel, ts: res.ts });
  }

  async showProgress(ref: string, review: ChannelReview): Promise<void> {
    await this.client.chat.update({ ...parseMessageRef(ref), ...reviewMessage(review, this.consoleUrl) });
  }

  async showOutcome(ref: string, outcome: ChannelOutcome): Promise<void> {
    await this.client.chat.update({ ...parseMessageRef(ref), ...outcomeMessage(outcome) });
  }

  /**
   * A threaded reply under the review's message; an escalation is also broadcast to the channel, so the
   * newly named groups see it without opening the thread.
   */
  async notify(ref: string, notice: ChannelNotice): Promise<void> {
    const { channel, ts } = parseMessageRef(ref);
    await this.client.chat.postMessage({ channel, thread_ts: ts, reply_broadcast: notice.kind === 'escalated', ...noticeMessage(notice) });
  }

  async tellVoter(ref: string, to: NoteRecipient, text: string): Promise<void> {
    const user = parseSlackUser(to.channelUser);
    if (!user) throw new Error(`not a Slack user reference: ${to.channelUser}`);
    await this.client.chat.postEphemeral({ channel: parseMessageRef(ref).channel, user: user.user, text });
  }

  /** The reject reason dialog; `trigger_id` is valid for 3 seconds after the click. */
  async askRejectReason(triggerId: string, buttonValue: string, summary: string): Promise<void> {
    await this.client.views.open({ trigger_id: triggerId, view: rejectReasonView(buttonValue, summary) });
  }
}
