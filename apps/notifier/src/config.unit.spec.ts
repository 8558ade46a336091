import { describe, expect, it } from 'vitest';
import { ConfigError } from '@countersign/platform/config';
import { loadNotifierConfig, slackConfigOf, teamsConfigOf, webhookConfigOf } from './config.js';

const teams = {
  TEAMS_APP_ID: '6b4a1b3e-2c4d-4e5f-8a9b-0c1d2e3f4a5b',
  TEAMS_APP_PASSWORD_FILE: '/run/secrets/teams-password',
  TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/emea/',
  TEAMS_CONVERSATION_ID: '19:reviews@thread.tacv2',
};
const webhook = { WEBHOOK_URL: 'https://hooks.example/countersign', WEBHOOK_SECRET_FILE: '/run/secrets/webhook' };
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
      routes: {},
      timeoutMs: 2500,
    });
  });

  it('routes approver groups to their own Slack channel or Teams conversation, and names a bad route', () => {
    const on = { ...slack, ...teams, NOTIFIER_DIRECTORY_FILE: '/d.yaml' };
    const c = loadNotifierConfig({ ...on, SLACK_CHANNEL_ROUTES: '{"payments":"C0PAYMENTS","security":"C0SECURITY"}', TEAMS_CONVERSATION_ROUTES: '{"payments":"19:pay@thread.tacv2"}' });
    expect(slackConfigOf(c)?.routes).toEqual({ payments: 'C0PAYMENTS', security: 'C0SECURITY' });
    expect(teamsConfigOf(c)?.routes).toEqual({ payments: '19:pay@thread.tacv2' });
    expect(problems({ ...on, SLACK_CHANNEL_ROUTES: '{"payments":"#payments"}' })).toEqual([expect.stringMatching(/^SLACK_CHANNEL_ROUTES: payments: a Slack channel id/)]);
    expect(problems({ ...on, SLACK_CHANNEL_ROUTES: 'payments=C0PAY' })).toEqual([expect.stringMatching(/^SLACK_CHANNEL_ROUTES: not JSON/)]);
    expect(problems({ ...on, TEAMS_CONVERSATION_ROUTES: '["19:x"]' })).toEqual([expect.stringMatching(/^TEAMS_CONVERSATION_ROUTES: /)]);
    expect(problems({ SLACK_CHANNEL_ROUTES: '{"payments":"C0PAY"}' })).toEqual([expect.stringMatching(/^SLACK_CHANNEL_ROUTES: set while Slack is off/)]);
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

  it('runs without Teams and the webhook by default, with the real Bot Framework URLs and the local policy service', () => {
    const c = loadNotifierConfig({});
    expect(teamsConfigOf(c)).toBeUndefined();
    expect(webhookConfigOf(c)).toBeUndefined();
    expect(c).toMatchObject({
      TEAMS_TOKEN_URL: 'https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token',
      TEAMS_OPENID_METADATA_URL: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      TEAMS_TOKEN_ISSUER: 'https://api.botframework.com',
      POLICY_PUBLIC_URL: 'http://127.0.0.1:3002',
    });
  });

  it('turns Teams and the webhook on with all their variables (and a directory for Teams)', () => {
    const c = loadNotifierConfig({ ...teams, ...webhook, NOTIFIER_DIRECTORY_FILE: '/d.yaml', POLICY_PUBLIC_URL: 'https://policy.example' });
    expect(teamsConfigOf(c)).toMatchObject({ appId: teams.TEAMS_APP_ID, passwordFile: teams.TEAMS_APP_PASSWORD_FILE, serviceUrl: teams.TEAMS_SERVICE_URL, conversationId: teams.TEAMS_CONVERSATION_ID, timeoutMs: 5000 });
    expect(webhookConfigOf(c)).toEqual({ url: webhook.WEBHOOK_URL, secretFile: webhook.WEBHOOK_SECRET_FILE, timeoutMs: 5000, policyPublicUrl: 'https://policy.example' });
  });

  it('names every missing Teams or webhook variable when only some are set, and requires the directory with Teams', () => {
    expect(problems({ TEAMS_APP_ID: teams.TEAMS_APP_ID, WEBHOOK_URL: webhook.WEBHOOK_URL })).toEqual([
      expect.stringMatching(/^TEAMS_APP_PASSWORD_FILE: required when TEAMS_APP_ID is set \(Teams needs all of/),
      expect.stringMatching(/^TEAMS_SERVICE_URL: required when TEAMS_APP_ID is set/),
      expect.stringMatching(/^TEAMS_CONVERSATION_ID: required when TEAMS_APP_ID is set/),
      expect.stringMatching(/^WEBHOOK_SECRET_FILE: required when WEBHOOK_URL is set \(the webhook needs all of/),
    ]);
    expect(problems(teams)).toEqual([expect.stringMatching(/^NOTIFIER_DIRECTORY_FILE: required with Teams/)]);
    expect(problems(webhook)).toEqual([]);
  });

  it('names bad Teams and webhook values', () => {
    const found = problems({ ...teams, ...webhook, NOTIFIER_DIRECTORY_FILE: '/d.yaml', TEAMS_SERVICE_URL: 'ftp://x', WEBHOOK_URL: 'not a url', TEAMS_APP_ID: 'has spaces', POLICY_PUBLIC_URL: 'x' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['POLICY_PUBLIC_URL', 'TEAMS_APP_ID', 'TEAMS_SERVICE_URL', 'WEBHOOK_URL']);
  });
});
