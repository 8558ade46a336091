import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEV_ISSUER } from '@countersign/platform/auth';
import { FileDirectory } from './file-directory.js';

const demoFile = fileURLToPath(new URL('../../../../config/demo-directory.yaml', import.meta.url));

describe('FileDirectory', () => {
  it('maps the demo Slack accounts to the dev issuer identities', async () => {
    const dir = await FileDirectory.load(demoFile);
    expect(await dir.findSlackUser('T0DEMO', 'U0ALICE')).toEqual({ subject: 'alice', issuer: DEV_ISSUER, groups: ['platform', 'approvers'] });
    expect(await dir.findSlackUser('T0DEMO', 'U0BOB')).toMatchObject({ subject: 'bob', groups: ['security', 'approvers'] });
    expect(await dir.findSlackUser('T0DEMO', 'U0DANA')).toMatchObject({ subject: 'dana' });
    expect(await dir.findSlackUser('T0DEMO', 'U0ERIN')).toMatchObject({ subject: 'erin' });
  });

  it('maps nobody it does not list, and never across workspaces', async () => {
    const dir = await FileDirectory.load(demoFile);
    expect(await dir.findSlackUser('T0DEMO', 'U0MALLORY')).toBeUndefined();
    expect(await dir.findSlackUser('T0OTHER', 'U0ALICE')).toBeUndefined();
  });

  it('takes an issuer per person over the file default', () => {
    const dir = FileDirectory.parse('issuer: urn:a\npeople:\n  - { subject: x, issuer: urn:b, slack: [{ team: T1, user: U1 }] }\n');
    return expect(dir.findSlackUser('T1', 'U1')).resolves.toEqual({ subject: 'x', issuer: 'urn:b', groups: [] });
  });

  it('refuses one Slack account mapped to two people, unknown keys, and an unreadable file', async () => {
    expect(() =>
      FileDirectory.parse('issuer: urn:a\npeople:\n  - { subject: x, slack: [{ team: T1, user: U1 }] }\n  - { subject: y, slack: [{ team: T1, user: U1 }] }\n', 'd.yaml'),
    ).toThrow('d.yaml: Slack account T1/U1 is mapped twice');
    expect(() => FileDirectory.parse('issuer: urn:a\npeople:\n  - { subject: x, group: [a] }\n', 'd.yaml')).toThrow(/d.yaml: invalid directory\n {2}- people.0: Unrecognized key/);
    await expect(FileDirectory.load('/nonexistent/directory.yaml')).rejects.toThrow('NOTIFIER_DIRECTORY_FILE /nonexistent/directory.yaml cannot be read: ENOENT');
  });

  it('maps the demo Teams accounts (tenant + Entra object id, any case) to the same identities', async () => {
    const dir = await FileDirectory.load(demoFile);
    const tenant = '00000000-0000-4000-8000-00000000d0e0';
    expect(await dir.findTeamsUser(tenant, '00000000-0000-4000-8000-0000000a11ce')).toEqual({ subject: 'alice', issuer: DEV_ISSUER, groups: ['platform', 'approvers'] });
    expect(await dir.findTeamsUser(tenant.toUpperCase(), '00000000-0000-4000-8000-000000000B0B')).toMatchObject({ subject: 'bob' });
    expect(await dir.findTeamsUser(tenant, '00000000-0000-4000-8000-00000000da2a')).toMatchObject({ subject: 'dana' });
    expect(await dir.findTeamsUser(tenant, '00000000-0000-4000-8000-00000000e514')).toMatchObject({ subject: 'erin' });
    expect(await dir.findTeamsUser('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000a11ce')).toBeUndefined();
  });

  it('refuses a Teams account mapped twice and ids that are not GUIDs', () => {
    const t = '{ tenant: 00000000-0000-4000-8000-000000000001, aadObjectId: 00000000-0000-4000-8000-000000000002 }';
    expect(() => FileDirectory.parse(`issuer: urn:a\npeople:\n  - { subject: x, teams: [${t}] }\n  - { subject: y, teams: [${t}] }\n`, 'd.yaml')).toThrow(/Teams account .* is mapped twice/);
    expect(() => FileDirectory.parse('issuer: urn:a\npeople:\n  - { subject: x, teams: [{ tenant: contoso, aadObjectId: bob }] }\n', 'd.yaml')).toThrow(/a GUID/);
  });
});
