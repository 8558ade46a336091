import { z } from 'zod';
import type { Logger } from '@countersign/platform/logging';
import { errorSummary } from '../errors-summary.js';
import { Directory, DirectoryUnavailableError, type DirectoryIdentity } from './directory.js';
import { scimEq } from './scim-filter.js';
import type { SlackEmailLookup } from './slack-emails.js';

export interface ScimDirectorySettings {
  /** The SCIM base URL (`…/scim/v2`), without `/Users`. */
  baseUrl: string;
  /** The bearer token; only `reveal()` is ever called, so a redacting Secret never prints. */
  token: { reveal(): string };
  /** The OIDC issuer whose subjects the SCIM subjects are (NOTIFIER_DIRECTORY_ISSUER). */
  issuer: string;
  /** The user attribute taken as the subject: `userName` (default), `externalId`, `id` or another top-level string attribute. */
  subjectAttribute: string;
  timeoutMs: number;
  /** How long a found person is remembered. */
  positiveTtlMs: number;
  /** How long "mapped to nobody" is remembered. */
  negativeTtlMs: number;
  /** Slack account → e-mail (users.info); without it (Slack off) no Slack account is mapped. */
  slackEmails?: SlackEmailLookup;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
  fetch?: typeof fetch;
  /** At most this many cached answers (oldest dropped first). */
  maxEntries?: number;
}

const Group = z.object({ value: z.string().optional(), display: z.string().optional() });
const ScimUser = z.looseObject({
  id: z.string().min(1),
  userName: z.string().optional(),
  externalId: z.string().optional(),
  active: z.boolean().optional(),
  emails: z.array(z.object({ value: z.string() })).optional(),
  groups: z.array(Group).optional(),
});
type ScimUser = z.infer<typeof ScimUser>;
const ListResponse = z.object({ totalResults: z.number().int().min(0).optional(), Resources: z.array(z.unknown()).optional() });
const ScimGroup = z.object({ displayName: z.string().optional() });

interface CacheEntry {
  identity: DirectoryIdentity | undefined;
  expiresAt: number;
}

/**
 * The production directory: an IdP lookup over SCIM 2.0 (RFC 7643/7644), as Okta, Entra ID, OneLogin,
 * JumpCloud and Keycloak (with a plugin) serve it. A Slack account is found by its e-mail (`users.info`)
 * as `emails.value eq "<email>"`; a Teams account by its Entra object id as `externalId eq "<id>"`
 * (Entra provisions externalId = object id). The subject is `userName` (or the configured attribute),
 * the person must be `active`, groups come from the user's `groups[].display` or, when the user
 * resource has none, from `/Groups?filter=members.value eq "<id>"`.
 *
 * Answers are cached (found: positiveTtlMs, not found: negativeTtlMs). A failure is never cached and never
 * answered from an expired entry: it throws DirectoryUnavailableError, so the voter is told to try again
 * instead of being refused (or counted) on stale data.
 */
export class ScimDirectory extends Directory {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private readonly base: string;

  constructor(
    private readonly settings: ScimDirectorySettings,
    private readonly logger: Logger,
  ) {
    super();
    this.now = settings.now ?? Date.now;
    this.fetch = settings.fetch ?? fetch;
    this.base = settings.baseUrl.replace(/\/+$/, '');
  }

  async findSlackUser(team: string, user: string): Promise<DirectoryIdentity | undefined> {
    const emails = this.settings.slackEmails;
    if (!emails) return undefined;
    return this.cached(`slack:${team}/${user}`, { channel: 'slack', account: `${team}/${user}` }, async () => {
      const email = await emails.emailOf(team, user);
      if (!email) return { identity: undefined, why: 'the Slack account has no e-mail address (deleted, a bot, or users:read.email missing)' };
      return this.findUser('emails.value', email, (u) => (u.emails ?? []).some((e) => e.value.toLowerCase() === email.toLowerCase()));
    });
  }

  async findTeamsUser(tenant: string, aadObjectId: string): Promise<DirectoryIdentity | undefined> {
    const id = aadObjectId.toLowerCase();
    return this.cached(`teams:${tenant.toLowerCase()}/${id}`, { channel: 'teams', account: `${tenant}/${aadObjectId}` }, () =>
      this.findUser('externalId', id, (u) => u.externalId?.toLowerCase() === id),
    );
  }

  private async cached(
    key: string,
    log: { channel: string; account: string },
    lookup: () => Promise<{ identity: DirectoryIdentity | undefined; why?: string }>,
  ): Promise<DirectoryIdentity | undefined> {
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.identity;
    this.cache.delete(key);
    let found: { identity: DirectoryIdentity | undefined; why?: string };
    try {
      found = await lookup();
    } catch (error) {
      const unavailable = error instanceof DirectoryUnavailableError ? error : new DirectoryUnavailableError(errorSummary(error));
      this.logger.warn({ ...log, error: unavailable.message }, 'directory unavailable: the vote was neither cast nor refused');
      throw unavailable;
    }
    if (!found.identity) this.logger.info({ ...log, why: found.why ?? 'not found' }, 'chat account not mapped by the SCIM directory');
    const ttl = found.identity ? this.settings.positiveTtlMs : this.settings.negativeTtlMs;
    if (ttl > 0) {
      if (this.cache.size >= (this.settings.maxEntries ?? 10_000)) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(key, { identity: found.identity, expiresAt: now + ttl });
    }
    return found.identity;
  }

  /** The one active user whose `attribute` equals `value`; `matches` re-checks the answer (a server that ignores the filter returns everyone). */
  private async findUser(attribute: string, value: string, matches: (u: ScimUser) => boolean): Promise<{ identity: DirectoryIdentity | undefined; why?: string }> {
    const list = await this.list('Users', scimEq(attribute, value));
    const users: ScimUser[] = [];
    for (const r of list) {
      const u = ScimUser.safeParse(r);
      if (!u.success) throw new DirectoryUnavailableError('SCIM answered a user resource without an id');
      if (matches(u.data)) users.push(u.data);
    }
    if (users.length === 0) return { identity: undefined, why: `no SCIM user with ${attribute} = the account's` };
    // Two people behind one address or object id: voting as either would be a guess.
    if (users.length > 1) return { identity: undefined, why: `${users.length} SCIM users match ${attribute}` };
    const user = users[0] as ScimUser;
    if (user.active !== true) return { identity: undefined, why: `SCIM user ${user.id} is not active` };
    const subject = (user as Record<string, unknown>)[this.settings.subjectAttribute];
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 256) {
      return { identity: undefined, why: `SCIM user ${user.id} has no usable ${this.settings.subjectAttribute}` };
    }
    return { identity: { subject, issuer: this.settings.issuer, groups: await this.groupsOf(user) } };
  }

  private async groupsOf(user: ScimUser): Promise<string[]> {
    const listed = (user.groups ?? []).map((g) => g.display).filter((d): d is string => typeof d === 'string' && d.length > 0);
    if (listed.length > 0) return unique(listed);
    const groups = await this.list('Groups', scimEq('members.value', user.id));
    return unique(
      groups
        .map((g) => ScimGroup.safeParse(g))
        .map((g) => (g.success ? g.data.displayName : undefined))
        .filter((d): d is string => typeof d === 'string' && d.length > 0),
    );
  }

  /** GET `<base>/<resource>?filter=…`: the Resources of a ListResponse, or DirectoryUnavailableError. */
  private async list(resource: 'Users' | 'Groups', filter: string): Promise<unknown[]> {
    const url = `${this.base}/${resource}?${new URLSearchParams({ filter }).toString()}`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        headers: { authorization: `Bearer ${this.settings.token.reveal()}`, accept: 'application/scim+json, application/json' },
        // A redirect would carry the token elsewhere.
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw new DirectoryUnavailableError(`SCIM GET /${resource} failed: ${errorSummary(error)}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new DirectoryUnavailableError(`SCIM GET /${resource} answered ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new DirectoryUnavailableError(`SCIM GET /${resource} answered something that is not JSON`);
    }
    const parsed = ListResponse.safeParse(body);
    if (!parsed.success) throw new DirectoryUnavailableError(`SCIM GET /${resource} answered something that is not a ListResponse`);
    return parsed.data.Resources ?? [];
  }
}

const unique = (xs: string[]) => [...new Set(xs)].slice(0, 64);
