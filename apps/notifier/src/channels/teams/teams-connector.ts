import type { Secret } from '../slack/secret.js';

export interface TeamsConnectorSettings {
  appId: string;
  password: Secret;
  /** OAuth2 token endpoint (client credentials) of the Bot Framework's Entra ID tenant. */
  tokenUrl: string;
  /** The Bot Connector, e.g. https://smba.trafficmanager.net/emea/ */
  serviceUrl: string;
  timeoutMs: number;
}

/** The scope of a token for the Bot Connector service. */
export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';
/** Renew a cached token this long before it expires (or halfway, for short-lived ones). */
const RENEW_BEFORE_MS = 5 * 60_000;

/** A Bot Framework activity as notifier sends it (only what it uses). */
export interface OutgoingActivity {
  type: 'message';
  id?: string;
  text?: string;
  textFormat?: 'plain' | 'markdown';
  summary?: string;
  replyToId?: string;
  attachments?: Array<{ contentType: string; content: unknown }>;
}

/** A failed call: the HTTP status (0 for network errors and timeouts) and nothing of the request. */
export class TeamsApiError extends Error {
  readonly code = 'TEAMS_API_ERROR';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'TeamsApiError';
  }
}

interface CachedToken {
  value: string;
  renewAt: number;
}

/**
 * The Bot Connector REST API over fetch: a bot token by OAuth2 client credentials (cached until shortly
 * before it expires; one request at a time), then POST/PUT activities. Errors carry a status and a
 * short message only: never the token, the password or the request.
 */
export class TeamsConnector {
  private cached: CachedToken | undefined;
  private fetching: Promise<string> | undefined;
  private readonly serviceUrl: string;

  constructor(
    private readonly settings: TeamsConnectorSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.serviceUrl = settings.serviceUrl.replace(/\/+$/, '');
  }

  /** POST /v3/conversations/{id}/activities → the new activity's id. */
  async send(conversationId: string, activity: OutgoingActivity): Promise<string> {
    return this.idOf(await this.call('POST', activityPath(conversationId), activity));
  }

  /** POST /v3/conversations/{id}/activities/{activityId}: a reply to that activity → the reply's id. */
  async reply(conversationId: string, activityId: string, activity: OutgoingActivity): Promise<string> {
    return this.idOf(await this.call('POST', activityPath(conversationId, activityId), { ...activity, replyToId: activityId }));
  }

  /** PUT /v3/conversations/{id}/activities/{activityId}: replaces the message (e.g. its card). */
  async update(conversationId: string, activityId: string, activity: OutgoingActivity): Promise<void> {
    await this.call('PUT', activityPath(conversationId, activityId), { ...activity, id: activityId });
  }

  /** The cached bot token, or a new one; concurrent callers share one token request. */
  async accessToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.value;
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.settings.appId,
      client_secret: this.settings.password.reveal(),
      scope: BOT_FRAMEWORK_SCOPE,
    });
    const res = await this.fetch(this.settings.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, 'token request');
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok) throw new TeamsApiError(`token request answered ${res.status}${typeof body.error === 'string' ? ` (${body.error.slice(0, 100)})` : ''}`, res.status);
    const expiresIn = Number(body.expires_in);
    if (typeof body.access_token !== 'string' || body.access_token.length === 0 || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new TeamsApiError('token request answered without access_token and expires_in', res.status);
    }
    const lifeMs = expiresIn * 1000;
    this.cached = { value: body.access_token, renewAt: this.now() + lifeMs - Math.min(RENEW_BEFORE_MS, lifeMs / 2) };
    return body.access_token;
  }

  private async call(method: 'POST' | 'PUT', path: string, activity: OutgoingActivity): Promise<unknown> {
    const token = await this.accessToken();
    const res = await this.fetch(`${this.serviceUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(activity),
    }, `${method} activity`);
    // A token refused by the connector is dropped, so that the retry asks for a new one.
    if (res.status === 401) this.cached = undefined;
    if (!res.ok) throw new TeamsApiError(`Bot Connector answered ${res.status} to ${method} activity`, res.status);
    return res.json().catch(() => ({}));
  }

  private async fetch(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      // No redirects: a redirected call would carry the bearer token or the password somewhere else.
      return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.settings.timeoutMs) });
    } catch (error) {
      const name = (error as Error).name;
      const why = name === 'TimeoutError' ? `timed out after ${this.settings.timeoutMs} ms` : `failed (${(error as { cause?: { code?: string } }).cause?.code ?? name})`;
      throw new TeamsApiError(`${what} ${why}`, 0);
    }
  }

  private idOf(body: unknown): string {
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0) throw new TeamsApiError('Bot Connector answered without an activity id', 200);
    return id;
  }
}

function activityPath(conversationId: string, activityId?: string): string {
  const base = `/v3/conversations/${encodeURIComponent(conversationId)}/activities`;
  return activityId === undefined ? base : `${base}/${encodeURIComponent(activityId)}`;
}
