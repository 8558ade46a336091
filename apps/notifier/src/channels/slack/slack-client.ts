import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '@countersign/platform/logging';
import type { Secret } from './secret.js';

export interface SlackClientSettings {
  apiUrl: string;
  token: Secret;
  timeoutMs: number;
}

/**
 * The SDK's own log lines go to debug only: failures are logged once, with context, by our callers,
 * and the SDK's warnings would repeat them without it.
 */
class SlackLogAdapter implements SlackLogger {
  private level = LogLevel.DEBUG;
  constructor(private readonly logger: Logger) {}
  debug(...msg: unknown[]): void {
    this.logger.debug({ sdk: 'slack' }, msg.map(String).join(' '));
  }
  info(...msg: unknown[]): void {
    this.debug(...msg);
  }
  warn(...msg: unknown[]): void {
    this.debug(...msg);
  }
  error(...msg: unknown[]): void {
    this.debug(...msg);
  }
  setLevel(level: LogLevel): void {
    this.level = level;
  }
  getLevel(): LogLevel {
    return this.level;
  }
  setName(): void {
    // Our logger already names the service; the SDK's name adds nothing.
  }
}

/** The official client, pointed at a configurable base URL (a fake Slack in tests, a proxy in some set-ups). */
export function createSlackClient(settings: SlackClientSettings, logger: Logger): WebClient {
  return new WebClient(settings.token.reveal(), {
    slackApiUrl: settings.apiUrl,
    // The delivery worker retries with its own backoff and keeps state in Postgres; SDK retries would
    // hold a review's post (and an interaction's 3-second answer) in memory for up to 30 minutes.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: settings.timeoutMs,
    // A method name that is an absolute URL must not send the bot token anywhere but Slack.
    allowAbsoluteUrls: false,
    // The axios error it would attach holds the request config, Authorization header included.
    attachOriginalToWebAPIRequestError: false,
    logger: new SlackLogAdapter(logger),
  });
}
