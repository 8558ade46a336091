import { noticeText, type ChannelNotice, type ChannelOutcome, type ChannelReview, type NoteRecipient, type ReviewChannel } from '../review-channel.js';
import { DEFAULT_CONSOLE_URL } from '../console-link.js';
import { destinationOf, type GroupRoutes } from '../routing.js';
import { ADAPTIVE_CARD_TYPE, cardSummary, outcomeCard, outcomeSummary, reviewCard, type AdaptiveCard } from './review-card.js';
import type { OutgoingActivity, TeamsConnector } from './teams-connector.js';
import { formatTeamsRef, parseTeamsRef } from './teams-refs.js';

export const TEAMS_CHANNEL = 'teams';

function cardActivity(card: AdaptiveCard, summary: string): OutgoingActivity {
  return { type: 'message', summary, attachments: [{ contentType: ADAPTIVE_CARD_TYPE, content: card }] };
}

/**
 * Posts reviews to the Teams conversation of their approver group (or the default one) through the Bot Connector and keeps the card in step with
 * the review: votes so far, then the outcome with no actions left.
 */
export class TeamsChannel implements ReviewChannel {
  readonly name = TEAMS_CHANNEL;
  readonly external = true;

  constructor(
    private readonly connector: TeamsConnector,
    private readonly conversationId: string,
    private readonly routes: GroupRoutes = {},
    private readonly consoleUrl: string = DEFAULT_CONSOLE_URL,
  ) {}

  async post(review: ChannelReview): Promise<string> {
    const conversationId = destinationOf(review, this.routes, this.conversationId);
    const activityId = await this.connector.send(conversationId, cardActivity(reviewCard(review, this.consoleUrl), cardSummary(review)));
    return formatTeamsRef({ conversationId, activityId });
  }

  async showProgress(ref: string, review: ChannelReview): Promise<void> {
    const { conversationId, activityId } = parseTeamsRef(ref);
    await this.connector.update(conversationId, activityId, cardActivity(reviewCard(review, this.consoleUrl), cardSummary(review)));
  }

  async showOutcome(ref: string, outcome: ChannelOutcome): Promise<void> {
    const { conversationId, activityId } = parseTeamsRef(ref);
    await this.connector.update(conversationId, activityId, cardActivity(outcomeCard(outcome), outcomeSummary(outcome)));
  }

  /** A new message in the conversation (plain text: nothing in it can become a link or a mention). */
  async notify(ref: string, notice: ChannelNotice): Promise<void> {
    const { conversationId } = parseTeamsRef(ref);
    await this.connector.send(conversationId, { type: 'message', textFormat: 'plain', text: noticeText(notice) });
  }

  /**
   * Teams has no private messages inside a channel: the note is a reply to the review's card, naming
   * the person by their directory subject.
   */
  async tellVoter(ref: string, to: NoteRecipient, text: string): Promise<void> {
    const { conversationId, activityId } = parseTeamsRef(ref);
    await this.connector.reply(conversationId, activityId, { type: 'message', textFormat: 'plain', text: `${to.subject}: ${text}` });
  }
}
