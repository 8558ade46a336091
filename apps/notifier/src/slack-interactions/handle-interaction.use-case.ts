import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@countersign/platform/runtime';
import { BackgroundTasks } from '../background-tasks.js';
import { REJECT_VIEW_CALLBACK, REASON_ACTION, REASON_BLOCK } from '../channels/slack/reject-reason-view.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../channels/slack/review-blocks.js';
import { SlackChannel, SLACK_CHANNEL } from '../channels/slack/slack.channel.js';
import { formatMessageRef, formatSlackUser, type SlackUser } from '../channels/slack/slack-refs.js';
import type { Secret } from '../channels/slack/secret.js';
import { DeliveryStore } from '../delivery/delivery-store.js';
import { DIRECTORY_UNAVAILABLE_TEXT, DirectoryUnavailableError } from '../directory/directory.js';
import { NotifierError } from '../errors/notifier-error.js';
import { SLACK_SIGNING_SECRET } from '../tokens.js';
import { parseButtonValue, parseInteraction, type BlockActions, type ViewSubmission } from './interaction-payload.js';
import { ReplayGuard } from './replay-guard.js';
import { SlackVotes } from './slack-votes.js';
import { verifySlackSignature, type SlackRequestToVerify } from './verify-signature.js';

export const NO_LONGER_VALID = 'This request is no longer valid: the review was decided, withdrawn or replaced.';

/** What the endpoint answers Slack: nothing (200, empty) or a JSON body (modal validation errors). */
export interface InteractionAnswer {
  body?: { response_action: 'errors'; errors: Record<string, string> };
}

/**
 * POST /v1/slack/interactions: verify, refuse replays, then act. Everything that may be slow (the
 * reject dialog, private notes) runs in the background so that Slack gets its answer within 3 seconds;
 * the vote itself is one JetStream publish and policy does the rest.
 */
@Injectable()
export class HandleSlackInteraction {
  constructor(
    @Inject(SLACK_SIGNING_SECRET) private readonly signingSecret: Secret,
    private readonly clock: Clock,
    private readonly replays: ReplayGuard,
    private readonly store: DeliveryStore,
    private readonly votes: SlackVotes,
    private readonly slack: SlackChannel,
    private readonly background: BackgroundTasks,
  ) {}

  async execute(req: SlackRequestToVerify): Promise<InteractionAnswer> {
    const verified = verifySlackSignature(req, this.signingSecret.reveal(), this.clock.now());
    if (!(await this.replays.firstSeen(verified))) {
      throw new NotifierError('REQUEST_REPLAYED', 'this Slack request was already received');
    }
    const interaction = parseInteraction(req.rawBody);
    if (interaction.type === 'block_actions') return this.click(interaction);
    if (interaction.type === 'view_submission') return this.submitReason(interaction);
    return {};
  }

  private async click(p: BlockActions): Promise<InteractionAnswer> {
    const action = p.actions[0];
    if (!action || (action.action_id !== APPROVE_ACTION && action.action_id !== REJECT_ACTION)) return {};
    const from = slackUserOf(p);
    const delivery = await this.deliveryFor(action.value);
    if (!delivery) {
      const channel = p.container?.channel_id ?? p.channel?.id;
      const ts = p.container?.message_ts;
      if (channel && ts) this.tell(formatMessageRef({ channel, ts }), from, NO_LONGER_VALID);
      return {};
    }
    try {
      return await this.vote(p, action.action_id, action.value, delivery, from);
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError)) throw error;
      // Neither cast nor refused (the directory logged why): the person may click again.
      const ref = delivery.externalRef ?? formatMessageRef({ channel: p.container?.channel_id ?? p.channel?.id ?? '', ts: p.container?.message_ts ?? '' });
      this.tell(ref, from, DIRECTORY_UNAVAILABLE_TEXT);
      return {};
    }
  }

  private async vote(p: BlockActions, actionId: string, buttonValue: string | undefined, delivery: { reviewId: string; intentId: string }, from: SlackUser): Promise<InteractionAnswer> {
    if (actionId === APPROVE_ACTION) {
      await this.votes.submit({ reviewId: delivery.reviewId, intentId: delivery.intentId, decision: 'approve', from });
      return {};
    }
    // Policy refuses a reject without a reason: ask for one, unless the person could not vote anyway.
    const mapped = await this.votes.isMapped(from);
    if (!mapped) {
      await this.votes.submit({ reviewId: delivery.reviewId, intentId: delivery.intentId, decision: 'reject', from });
      return {};
    }
    const value = buttonValue ?? '';
    this.background.run('open reject dialog', () => this.openRejectDialog(p.trigger_id, value, delivery.reviewId), {
      reviewId: delivery.reviewId,
    });
    return {};
  }

  private async submitReason(p: ViewSubmission): Promise<InteractionAnswer> {
    if (p.view.callback_id !== REJECT_VIEW_CALLBACK) return {};
    const delivery = await this.deliveryFor(p.view.private_metadata);
    if (!delivery) return { body: { response_action: 'errors', errors: { [REASON_BLOCK]: NO_LONGER_VALID } } };
    const reason = p.view.state.values[REASON_BLOCK]?.[REASON_ACTION]?.value?.trim() ?? '';
    if (reason.length === 0) return { body: { response_action: 'errors', errors: { [REASON_BLOCK]: 'A reason is required.' } } };
    try {
      await this.votes.submit({ reviewId: delivery.reviewId, intentId: delivery.intentId, decision: 'reject', reason, from: slackUserOf(p) });
    } catch (error) {
      // The modal stays open with the reason typed: submitting again retries.
      if (error instanceof DirectoryUnavailableError) return { body: { response_action: 'errors', errors: { [REASON_BLOCK]: DIRECTORY_UNAVAILABLE_TEXT } } };
      throw error;
    }
    return {};
  }

  private async openRejectDialog(triggerId: string, value: string, reviewId: string): Promise<void> {
    const state = await this.store.reviewState(reviewId);
    const intent = state?.review.intent;
    const what = intent ? `${intent.action} on ${intent.resource.kind}/${intent.resource.id} (${intent.resource.env}), requested by ${intent.requester.subject}. ` : '';
    await this.slack.askRejectReason(triggerId, value, `${what}Policy needs a reason for every rejection; it is kept in the audit log.`);
  }

  /** The Slack delivery a button value points at, if the value is well formed and its nonce matches. */
  private async deliveryFor(value: string | undefined) {
    const parsed = parseButtonValue(value);
    if (!parsed) return undefined;
    const delivery = await this.store.findByNonce(parsed.reviewId, SLACK_CHANNEL, parsed.nonce);
    return delivery?.status === 'delivered' ? delivery : undefined;
  }

  private tell(ref: string, to: SlackUser, text: string): void {
    const channelUser = formatSlackUser(to);
    this.background.run('tell Slack user', () => this.slack.tellVoter(ref, { channelUser, subject: channelUser }, text));
  }
}

/** Slack user ids are unique per workspace; the user's own team wins over the app's (Enterprise Grid). */
function slackUserOf(p: BlockActions | ViewSubmission): SlackUser {
  return { team: p.user.team_id ?? p.team.id, user: p.user.id };
}
