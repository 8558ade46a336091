import { Inject, Injectable } from '@nestjs/common';
import { BackgroundTasks } from '../background-tasks.js';
import { ADAPTIVE_CARD_TYPE, noteCard, type AdaptiveCard } from '../channels/teams/review-card.js';
import { TeamsChannel, TEAMS_CHANNEL } from '../channels/teams/teams.channel.js';
import { DeliveryStore } from '../delivery/delivery-store.js';
import { DIRECTORY_UNAVAILABLE_TEXT, DirectoryUnavailableError } from '../directory/directory.js';
import { NotifierError } from '../errors/notifier-error.js';
import { TEAMS_TOKEN_VERIFIER } from '../tokens.js';
import { TeamsActivityGuard } from './activity-guard.js';
import { cardClickOf, parseActivity, tenantOf, type CardClick, type TeamsActivity } from './teams-activity.js';
import { TeamsVotes } from './teams-votes.js';
import type { BotFrameworkTokenVerifier } from './verify-bot-token.js';

export const NO_LONGER_VALID = 'This request is no longer valid: the review was decided, withdrawn or replaced.';
export const REASON_REQUIRED = 'A reason is required to reject: type it in the box above Reject.';

/** The body of an invoke response (Universal Actions): a card shown to the person who clicked, or an error. */
export type InvokeResponse =
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_TYPE; value: AdaptiveCard }
  | { statusCode: 400; type: 'application/vnd.microsoft.error'; value: { code: string; message: string } };

/** What the endpoint answers: 200 with an invoke response, or 200 with nothing (messages, other activities). */
export interface TeamsAnswer {
  body?: InvokeResponse;
}

const card = (title: string, text: string): TeamsAnswer => ({ body: { statusCode: 200, type: ADAPTIVE_CARD_TYPE, value: noteCard(title, text) } });

/**
 * POST /v1/teams/messages: verify the Bot Framework token (401 before anything else is read), refuse
 * replayed activities, then turn a card click into a vote. An Action.Execute click is answered with a
 * card for the person who clicked; an Action.Submit click gets 200 and, when something went wrong, a
 * reply under the card. Policy decides whether the vote counts.
 */
@Injectable()
export class HandleTeamsActivity {
  constructor(
    @Inject(TEAMS_TOKEN_VERIFIER) private readonly verifier: BotFrameworkTokenVerifier,
    private readonly guard: TeamsActivityGuard,
    private readonly store: DeliveryStore,
    private readonly votes: TeamsVotes,
    private readonly teams: TeamsChannel,
    private readonly background: BackgroundTasks,
  ) {}

  async execute(authorization: string | undefined, body: unknown): Promise<TeamsAnswer> {
    const claimed = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    await this.verifier.verify(authorization, { serviceUrl: claimed['serviceUrl'], channelId: claimed['channelId'] });
    const activity = parseActivity(body);
    const click = cardClickOf(activity);
    if (!click) return {};
    if (!(await this.guard.firstSeen(activity.id))) {
      return click.via === 'execute' ? card('Already received', 'This click was already received; it counts once.') : {};
    }
    try {
      return await this.vote(activity, click);
    } catch (error) {
      // Not recorded: let a retry of the same activity through.
      if (error instanceof NotifierError && error.code === 'PUBLISH_FAILED') await this.guard.forget(activity.id);
      throw error;
    }
  }

  private async vote(activity: TeamsActivity, click: CardClick): Promise<TeamsAnswer> {
    const v = click.vote;
    const delivery = v ? await this.store.findByNonce(v.reviewId, TEAMS_CHANNEL, v.nonce) : undefined;
    if (!v || delivery?.status !== 'delivered') return this.problem(activity, click, 'No longer valid', NO_LONGER_VALID, delivery?.externalRef);
    if (v.decision === 'reject' && !v.reason) {
      if (click.via === 'execute') return { body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: REASON_REQUIRED } } };
      return this.problem(activity, click, 'Reason required', REASON_REQUIRED, delivery.externalRef);
    }
    let result;
    try {
      result = await this.votes.submit({
        reviewId: delivery.reviewId,
        intentId: delivery.intentId,
        decision: v.decision,
        ...(v.reason ? { reason: v.reason } : {}),
        // Without an Entra object id (guests of some kinds, other channels) the account maps to nobody.
        from: { tenant: tenantOf(activity) ?? 'unknown', aadObjectId: activity.from.aadObjectId ?? activity.from.id.slice(0, 128) },
      });
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError)) throw error;
      // Neither cast nor refused (the directory logged why): a retry of this activity must get through.
      await this.guard.forget(activity.id);
      return this.problem(activity, click, 'Directory unavailable', DIRECTORY_UNAVAILABLE_TEXT, delivery.externalRef);
    }
    if (!result.cast) return this.problem(activity, click, 'Your vote cannot count', `Your vote did not count: ${result.reason} (NOT_MAPPED).`, delivery.externalRef);
    if (click.via === 'submit') return {};
    const what = v.decision === 'approve' ? 'approval' : 'rejection';
    return card('Vote received', `Your ${what} as ${result.subject} was received. Policy checks whether it counts; the card shows the outcome once the review is decided.`);
  }

  /** Tells the person what went wrong: in the invoke answer, or (Action.Submit) in a reply under the card. */
  private problem(activity: TeamsActivity, click: CardClick, title: string, text: string, ref: string | null | undefined): TeamsAnswer {
    if (click.via === 'execute') return card(title, text);
    if (ref) {
      const to = { channelUser: activity.from.id, subject: activity.from.name ?? 'Your click' };
      this.background.run('tell Teams user', () => this.teams.tellVoter(ref, to, text), { activityId: activity.id });
    }
    return {};
  }
}
