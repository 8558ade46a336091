import { describe, expect, it } from 'vitest';
import { ConfigError } from '@countersign/platform/config';
import { loadNotifierConfig, slackConfigOf } from './config.js';

const slack = { SLACK_BOT_TOKEN_FILE: '/run/secrets/slack-token', SLACK_SIGNING_SECRET_FILE: '/run/secrets/slack-signing', SLACK_CHANNEL_ID: 'C0REVIEWS' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadNotifierConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('notifier config', () => {
  it('runs without Slack by default', () => {
    const c = loadNotifierConfig({});
    expect(slackConfigOf(c)).toBeUndefined();
    expect(c).toMatchObject({ SLACK_API_URL: 'https://slack.com/api/', NOTIFIER_RETRY_INTERVAL_MS: 2000, SLACK_TIMEOUT_MS: 2500 });
  });

  it('turns Slack on with all three variables and a directory', () => {
    const c = loadNotifierConfig({ ...slack, NOTIFIER_DIRECTORY_FILE: '/etc/directory.yaml', SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    expect(slackConfigOf(c)).toEqual({
      apiUrl: 'http://127.0.0.1:9/api/',
      tokenFile: slack.SLACK_BOT_TOKEN_FILE,
      signingSecretFile: slack.SLACK_SIGNING_SECRET_FILE,
      channelId: 'C0REVIEWS',
      timeoutMs: 2500,
    });
  });

  it('names every missing Slack variable when only some are set', () => {
    expect(problems({ SLACK_CHANNEL_ID: 'C0REVIEWS' })).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN_FILE: required when SLACK_CHANNEL_ID is set/),
      expect.stringMatching(/^SLACK_SIGNING_SECRET_FILE: required when SLACK_CHANNEL_ID is set/),
    ]);
  });

  it('treats empty values as unset and requires the directory with Slack', () => {
    expect(slackConfigOf(loadNotifierConfig({ SLACK_BOT_TOKEN_FILE: '', SLACK_SIGNING_SECRET_FILE: '', SLACK_CHANNEL_ID: '' }))).toBeUndefined();
    expect(problems(slack)).toEqual([expect.stringMatching(/^NOTIFIER_DIRECTORY_FILE: required with Slack/)]);
  });

  it('names a bad channel id, URL or retry setting', () => {
    const found = problems({ ...slack, NOTIFIER_DIRECTORY_FILE: '/d.yaml', SLACK_CHANNEL_ID: '#reviews', SLACK_API_URL: 'not a url', NOTIFIER_RETRY_BASE_MS: '500', NOTIFIER_RETRY_MAX_MS: '100' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['NOTIFIER_RETRY_MAX_MS', 'SLACK_API_URL', 'SLACK_CHANNEL_ID']);
  });
});
