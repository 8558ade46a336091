import { describe, expect, it } from 'vitest';
import { ConfigError } from '@countersign/platform/config';
import { directoryConfigOf, loadNotifierConfig } from '../config.js';

const slack = { SLACK_BOT_TOKEN_FILE: '/run/secrets/slack-token', SLACK_SIGNING_SECRET_FILE: '/run/secrets/slack-signing', SLACK_CHANNEL_ID: 'C0REVIEWS' };
const scim = { NOTIFIER_DIRECTORY: 'scim', NOTIFIER_SCIM_URL: 'https://idp.example/scim/v2', NOTIFIER_SCIM_TOKEN_FILE: '/run/secrets/scim', NOTIFIER_DIRECTORY_ISSUER: 'https://idp.example' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadNotifierConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('notifier directory config', () => {
  it('defaults to the file directory (unset file: nobody is mapped)', () => {
    expect(directoryConfigOf(loadNotifierConfig({}))).toEqual({ kind: 'file', file: undefined });
    expect(directoryConfigOf(loadNotifierConfig({ NOTIFIER_DIRECTORY: '', NOTIFIER_DIRECTORY_FILE: '/d.yaml' }))).toEqual({ kind: 'file', file: '/d.yaml' });
  });

  it('takes SCIM with its three variables and default cache times, and needs no directory file with Slack', () => {
    expect(directoryConfigOf(loadNotifierConfig({ ...slack, ...scim }))).toEqual({
      kind: 'scim',
      url: 'https://idp.example/scim/v2',
      tokenFile: '/run/secrets/scim',
      issuer: 'https://idp.example',
      subjectAttribute: 'userName',
      timeoutMs: 1000,
      positiveTtlMs: 300_000,
      negativeTtlMs: 60_000,
    });
    expect(directoryConfigOf(loadNotifierConfig({ ...scim, NOTIFIER_SCIM_SUBJECT_ATTRIBUTE: 'externalId', NOTIFIER_DIRECTORY_CACHE_MS: '0' }))).toMatchObject({ subjectAttribute: 'externalId', positiveTtlMs: 0 });
  });

  it('names every missing or bad SCIM variable at boot', () => {
    expect(problems({ NOTIFIER_DIRECTORY: 'scim' })).toEqual([
      expect.stringMatching(/^NOTIFIER_SCIM_URL: required with NOTIFIER_DIRECTORY=scim/),
      expect.stringMatching(/^NOTIFIER_SCIM_TOKEN_FILE: required with NOTIFIER_DIRECTORY=scim/),
      expect.stringMatching(/^NOTIFIER_DIRECTORY_ISSUER: required with NOTIFIER_DIRECTORY=scim/),
    ]);
    expect(problems({ ...scim, NOTIFIER_SCIM_URL: 'ldap://idp' }).join('\n')).toMatch(/NOTIFIER_SCIM_URL/);
    expect(problems({ ...scim, NOTIFIER_SCIM_SUBJECT_ATTRIBUTE: 'name.givenName' }).join('\n')).toMatch(/NOTIFIER_SCIM_SUBJECT_ATTRIBUTE/);
    expect(problems({ NOTIFIER_DIRECTORY: 'ldap' }).join('\n')).toMatch(/NOTIFIER_DIRECTORY/);
    expect(problems(slack)).toEqual([expect.stringMatching(/^NOTIFIER_DIRECTORY_FILE: required with Slack/)]);
  });
});
