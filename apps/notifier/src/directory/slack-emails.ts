import type { WebClient } from '@slack/web-api';
import { DirectoryUnavailableError } from './directory.js';

/** The e-mail address of a Slack account, which the SCIM directory looks up. */
export interface SlackEmailLookup {
  /** Undefined when the account has no usable address (deleted, a bot, no e-mail shown); throws DirectoryUnavailableError when Slack cannot answer. */
  emailOf(team: string, user: string): Promise<string | undefined>;
}

/** Slack errors that say "this account has no e-mail for us" rather than "Slack is down". */
const NO_SUCH_USER = new Set(['user_not_found', 'user_not_visible', 'account_inactive']);

/**
 * `users.info` with the bot token (scope `users:read.email`, or the profile comes without `email`).
 * Slack user ids are unique across an Enterprise Grid org, so the call needs only the user id.
 */
export class SlackWebApiEmails implements SlackEmailLookup {
  constructor(private readonly client: Pick<WebClient, 'users'>) {}

  async emailOf(_team: string, user: string): Promise<string | undefined> {
    let res: Awaited<ReturnType<WebClient['users']['info']>>;
    try {
      res = await this.client.users.info({ user });
    } catch (error) {
      const slackError = (error as { data?: { error?: unknown } }).data?.error;
      if (typeof slackError === 'string' && NO_SUCH_USER.has(slackError)) return undefined;
      // The SDK's error carries no request (attachOriginalToWebAPIRequestError: false): its message is safe.
      throw new DirectoryUnavailableError(`Slack users.info failed: ${typeof slackError === 'string' ? slackError : (error as Error).message}`.slice(0, 300));
    }
    const u = res.user;
    if (!u || u.deleted || u.is_bot) return undefined;
    const email = u.profile?.email?.trim();
    return email ? email : undefined;
  }
}
