import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScimEq, startFakeScim, type FakeScim } from '@countersign/testing';
import { Secret } from '../channels/slack/secret.js';
import { DirectoryUnavailableError } from './directory.js';
import { ScimDirectory, type ScimDirectorySettings } from './scim-directory.js';
import { scimEq, scimString } from './scim-filter.js';
import { SlackWebApiEmails, type SlackEmailLookup } from './slack-emails.js';

const TOKEN = 'scim-token-7c9e6679f4c8';
const ISSUER = 'https://idp.example.test';
const TENANT = '00000000-0000-4000-8000-00000000d0e0';
const AAD_BOB = '00000000-0000-4000-8000-000000000b0b';

describe('SCIM filter values', () => {
  it('quotes and escapes a value so it stays one value', () => {
    expect(scimEq('emails.value', 'bob@example.com')).toBe('emails.value eq "bob@example.com"');
    expect(scimString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(scimString('x" or userName pr')).toBe('"x\\" or userName pr"');
    expect(scimString('tab\there\n')).toBe('"tab\\there\\n"');
    // What the fake (and an RFC 7644 server) reads back is the original value, whole.
    for (const v of ['bob@example.com', 'a"b\\c', 'x" or userName pr', 'o\'brien@example.com', 'ünï@例え.jp']) {
      expect(parseScimEq(scimEq('emails.value', v))).toEqual({ attribute: 'emails.value', value: v });
    }
  });

  it('refuses an attribute that is not a plain path', () => {
    expect(() => scimEq('emails.value eq "x" or userName', 'y')).toThrow(/not a SCIM attribute path/);
  });
});

describe('ScimDirectory (against the fake SCIM server)', () => {
  let scim: FakeScim;
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const emails: Record<string, string> = { U0BOB: 'Bob@Example.com', U0DANA: 'dana@example.com', U0GONE: 'gone@example.com', U0QUOTE: 'q"uote@example.com', U0NOGROUPS: 'nog@example.com' };
  const slackEmails: SlackEmailLookup = { emailOf: async (_team, user) => emails[user] };

  beforeAll(async () => {
    scim = await startFakeScim({
      token: TOKEN,
      users: [
        { id: 'u-bob', userName: 'bob', emails: ['bob@example.com'], externalId: AAD_BOB, groups: ['security', 'approvers'], employeeNumber: 'E42' },
        { id: 'u-dana', userName: 'dana', emails: ['dana@example.com'] },
        { id: 'u-gone', userName: 'gone', emails: ['gone@example.com'], active: false, groups: ['security'] },
        { id: 'u-nog', userName: 'nog', emails: ['nog@example.com'], groups: [] },
      ],
      groups: [
        { id: 'g-sec', displayName: 'security', members: ['u-bob', 'u-dana', 'u-gone'] },
        { id: 'g-app', displayName: 'approvers', members: ['u-bob', 'u-dana'] },
      ],
    });
  });
  afterAll(() => scim.stop());

  const make = (over: Partial<ScimDirectorySettings> = {}) => {
    let now = 1_000_000;
    const dir = new ScimDirectory(
      { baseUrl: `${scim.url}/`, token: new Secret(TOKEN), issuer: ISSUER, subjectAttribute: 'userName', timeoutMs: 1000, positiveTtlMs: 300_000, negativeTtlMs: 60_000, slackEmails, now: () => now, ...over },
      logger,
    );
    return { dir, advance: (ms: number) => void (now += ms) };
  };
  const requestsSince = (n: number) => scim.requests.slice(n);

  it('maps a Slack account by e-mail to the SCIM userName, the configured issuer and the groups on the user', async () => {
    const { dir } = make();
    const before = scim.requests.length;
    expect(await dir.findSlackUser('T0DEMO', 'U0BOB')).toEqual({ subject: 'bob', issuer: ISSUER, groups: ['security', 'approvers'] });
    expect(requestsSince(before)).toEqual([{ method: 'GET', path: '/scim/v2/Users', filter: 'emails.value eq "Bob@Example.com"', authorized: true, status: 200 }]);
  });

  it('reads groups from /Groups when the user resource has none', async () => {
    const { dir } = make();
    const before = scim.requests.length;
    expect(await dir.findSlackUser('T0DEMO', 'U0DANA')).toEqual({ subject: 'dana', issuer: ISSUER, groups: ['security', 'approvers'] });
    expect(requestsSince(before).map((r) => `${r.path} ${r.filter}`)).toEqual(['/scim/v2/Users emails.value eq "dana@example.com"', '/scim/v2/Groups members.value eq "u-dana"']);
    expect(await make().dir.findSlackUser('T0DEMO', 'U0NOGROUPS')).toEqual({ subject: 'nog', issuer: ISSUER, groups: [] });
  });

  it('maps a Teams account by externalId = Entra object id (any case), and takes a configured subject attribute', async () => {
    const { dir } = make();
    expect(await dir.findTeamsUser(TENANT, AAD_BOB.toUpperCase())).toEqual({ subject: 'bob', issuer: ISSUER, groups: ['security', 'approvers'] });
    expect(scim.requests.at(-1)?.filter).toBe(`externalId eq "${AAD_BOB}"`);
    expect(await make({ subjectAttribute: 'employeeNumber' }).dir.findTeamsUser(TENANT, AAD_BOB)).toMatchObject({ subject: 'E42' });
    expect(await make({ subjectAttribute: 'nickName' }).dir.findTeamsUser(TENANT, AAD_BOB)).toBeUndefined();
  });

  it('refuses an inactive user, an unknown address, a Slack account without e-mail, and Slack when it is off', async () => {
    const { dir } = make();
    expect(await dir.findSlackUser('T0DEMO', 'U0GONE')).toBeUndefined();
    expect(await dir.findSlackUser('T0DEMO', 'U0QUOTE')).toBeUndefined();
    expect(scim.requests.at(-1)).toMatchObject({ filter: 'emails.value eq "q\\"uote@example.com"', status: 200 });
    expect(await dir.findSlackUser('T0DEMO', 'U0NOBODY')).toBeUndefined();
    expect(await dir.findTeamsUser(TENANT, '00000000-0000-4000-8000-0000000ba0ad')).toBeUndefined();
    const slackOff = new ScimDirectory({ baseUrl: scim.url, token: new Secret(TOKEN), issuer: ISSUER, subjectAttribute: 'userName', timeoutMs: 1000, positiveTtlMs: 1, negativeTtlMs: 1 }, logger);
    expect(await slackOff.findSlackUser('T0DEMO', 'U0BOB')).toBeUndefined();
    expect(logLines.some((l) => l.includes('is not active'))).toBe(true);
  });

  it('does not trust a server that ignores the filter: only a user with that address counts', async () => {
    const everyone = async () => new Response(JSON.stringify({ totalResults: 2, Resources: [{ id: 'u-x', userName: 'x', active: true, emails: [{ value: 'x@example.com' }], groups: [{ display: 'security' }] }] }));
    expect(await make({ fetch: everyone as typeof fetch }).dir.findSlackUser('T0DEMO', 'U0BOB')).toBeUndefined();
  });

  it('caches found people and unmapped accounts for their own times', async () => {
    const { dir, advance } = make({ positiveTtlMs: 300_000, negativeTtlMs: 60_000 });
    const before = scim.requests.length;
    await dir.findSlackUser('T0DEMO', 'U0BOB');
    await dir.findSlackUser('T0DEMO', 'U0GONE');
    expect(requestsSince(before)).toHaveLength(2);
    advance(59_000);
    await dir.findSlackUser('T0DEMO', 'U0BOB');
    await dir.findSlackUser('T0DEMO', 'U0GONE');
    expect(requestsSince(before)).toHaveLength(2);
    advance(2_000);
    await dir.findSlackUser('T0DEMO', 'U0GONE');
    expect(requestsSince(before)).toHaveLength(3);
    await dir.findSlackUser('T0DEMO', 'U0BOB');
    expect(requestsSince(before)).toHaveLength(3);
    advance(300_000);
    await dir.findSlackUser('T0DEMO', 'U0BOB');
    expect(requestsSince(before)).toHaveLength(4);
  });

  it('an outage is DirectoryUnavailableError, not "not mapped", and never answered from an expired entry', async () => {
    const { dir, advance } = make();
    expect(await dir.findSlackUser('T0DEMO', 'U0GONE')).toBeUndefined();
    expect(await dir.findSlackUser('T0DEMO', 'U0BOB')).toMatchObject({ subject: 'bob' });
    scim.failing = true;
    try {
      // Within their times the cached answers still hold.
      expect(await dir.findSlackUser('T0DEMO', 'U0BOB')).toMatchObject({ subject: 'bob' });
      advance(61_000);
      await expect(dir.findSlackUser('T0DEMO', 'U0GONE')).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(dir.findTeamsUser(TENANT, AAD_BOB)).rejects.toThrow('SCIM GET /Users answered 503');
      advance(300_000);
      await expect(dir.findSlackUser('T0DEMO', 'U0BOB')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    } finally {
      scim.failing = false;
    }
    // The failure was not cached: the next lookup asks again.
    expect(await dir.findSlackUser('T0DEMO', 'U0BOB')).toMatchObject({ subject: 'bob' });
    expect(logLines.some((l) => l.includes('directory unavailable'))).toBe(true);
  });

  it('treats a wrong token, a timeout, a redirect and a non-SCIM answer as unavailable, and never logs the token', async () => {
    await expect(make({ token: new Secret('wrong') }).dir.findSlackUser('T0DEMO', 'U0BOB')).rejects.toThrow('answered 401');
    const hang = ((_url: string, init: RequestInit) => new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    await expect(make({ fetch: hang, timeoutMs: 100 }).dir.findSlackUser('T0DEMO', 'U0BOB')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    const html = async () => new Response('<html>login</html>', { status: 200 });
    await expect(make({ fetch: html as typeof fetch }).dir.findSlackUser('T0DEMO', 'U0BOB')).rejects.toThrow('not JSON');
    let init: RequestInit | undefined;
    const spy = (async (_u: string, i: RequestInit) => {
      init = i;
      return new Response(JSON.stringify({ Resources: [] }));
    }) as typeof fetch;
    await make({ fetch: spy }).dir.findSlackUser('T0DEMO', 'U0BOB');
    expect(init).toMatchObject({ redirect: 'error', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });

  it('Slack e-mails: users.info profile.email; unknown users map to nobody; a Slack failure is unavailable', async () => {
    const client = (answer: () => Promise<unknown>) => ({ users: { info: answer } }) as unknown as ConstructorParameters<typeof SlackWebApiEmails>[0];
    expect(await new SlackWebApiEmails(client(async () => ({ ok: true, user: { id: 'U1', profile: { email: 'a@b.c' } } }))).emailOf('T', 'U1')).toBe('a@b.c');
    expect(await new SlackWebApiEmails(client(async () => ({ ok: true, user: { id: 'U1', deleted: true, profile: { email: 'a@b.c' } } }))).emailOf('T', 'U1')).toBeUndefined();
    expect(await new SlackWebApiEmails(client(async () => ({ ok: true, user: { id: 'U1', profile: {} } }))).emailOf('T', 'U1')).toBeUndefined();
    const platformError = (error: string) => async () => Promise.reject(Object.assign(new Error(`An API error occurred: ${error}`), { data: { ok: false, error } }));
    expect(await new SlackWebApiEmails(client(platformError('user_not_found'))).emailOf('T', 'U1')).toBeUndefined();
    await expect(new SlackWebApiEmails(client(platformError('ratelimited'))).emailOf('T', 'U1')).rejects.toThrow(DirectoryUnavailableError);
  });
});
