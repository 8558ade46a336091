import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The issuer of the tokens the Bot Framework puts on activities it sends to a bot. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/** One Bot Connector call as the fake received it. */
export interface TeamsCall {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** Set for PUT (update) and for POST to an activity (a reply). */
  activityId?: string;
  /** What the bot sent (a Bot Framework activity). */
  activity: Record<string, unknown>;
  /** The bearer token presented, whatever it was. */
  token: string | undefined;
  authorized: boolean;
  /** What the fake answered (0: the connection was closed unanswered). */
  status: number;
  /** The activity id the fake answered with. */
  id?: string;
}

export interface TeamsTokenRequest {
  form: Record<string, string>;
  status: number;
}

export interface TeamsActivityState {
  conversationId: string;
  id: string;
  activity: Record<string, unknown>;
  updates: number;
}

/** How the next connector calls fail: an HTTP status, or the connection closed unanswered. */
export type TeamsFailure = { kind: 'status'; status: number } | { kind: 'close' };

export interface InboundTokenOptions {
  /** The bot's App ID: the token's audience. */
  appId: string;
  /** Must equal the activity's serviceUrl. */
  serviceUrl: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token (default 3600). */
  expiresInSeconds?: number;
  /** Signed with another key under the same key id: what a forger without the Bot Framework's key makes. */
  forged?: boolean;
  /** Leave out the serviceurl claim. */
  withoutServiceUrl?: boolean;
}

export interface FakeTeams {
  /** Base URL of the Bot Connector (an activity's `serviceUrl`), ending in `/`. */
  serviceUrl: string;
  /** OAuth2 client-credentials endpoint (TEAMS_TOKEN_URL). */
  tokenUrl: string;
  /** The Bot Framework's OpenID metadata (TEAMS_OPENID_METADATA_URL). */
  openIdMetadataUrl: string;
  calls: TeamsCall[];
  tokenRequests: TeamsTokenRequest[];
  /** Activities the bot posted, by `<conversation>/<id>`, as last updated (replies included). */
  activities: Map<string, TeamsActivityState>;
  /** Tokens issued so far (the last one is what a well-behaved bot presents). */
  issuedTokens: string[];
  /** The next `count` connector calls (of any method, or only `method`) fail as given. */
  failNext(count: number, failure: TeamsFailure, method?: 'POST' | 'PUT'): void;
  /** The next `count` token requests answer 503. */
  failTokenRequests(count: number): void;
  heal(): void;
  /** Signs a token as the Bot Framework does for an inbound activity (RS256, the key served in the JWKS). */
  mintInboundToken(opts: InboundTokenOptions): Promise<string>;
  stop(): Promise<void>;
}

export interface FakeTeamsOptions {
  appId: string;
  appPassword: string;
  /** Lifetime of issued bot tokens (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

const CONNECTOR_PATH = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/;

/**
 * One local HTTP server that plays the three Microsoft services a Teams bot talks to:
 * (a) the Entra ID token endpoint (client credentials; checks the bot's id and password and the scope),
 * (b) the Bot Connector (`POST/PUT /v3/conversations/:id/activities[/:activityId]`; checks the bearer
 *     token it issued, records calls, keeps activities, fails on demand), and
 * (c) the Bot Framework's identity side: OpenID metadata and a JWKS with a key it generated, so that
 *     `mintInboundToken` can sign activities the way the Bot Framework does.
 */
export async function startFakeTeams(opts: FakeTeamsOptions): Promise<FakeTeams> {
  const calls: TeamsCall[] = [];
  const tokenRequests: TeamsTokenRequest[] = [];
  const activities = new Map<string, TeamsActivityState>();
  const failures: Array<{ failure: TeamsFailure; method: string | undefined }> = [];
  const issuedTokens: string[] = [];
  const sockets = new Set<Socket>();
  let tokenFailures = 0;
  let seq = 0;

  const kid = `fake-bf-${randomBytes(4).toString('hex')}`;
  const signing = await generateKeyPair('RS256', { extractable: true });
  const forger = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid, use: 'sig', endorsements: ['msteams'] } as JWK;
  let base = '';

  function token(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const form = Object.fromEntries(new URLSearchParams(raw));
    const record: TeamsTokenRequest = { form: { ...form, client_secret: form['client_secret'] ? '[present]' : '' }, status: 200 };
    tokenRequests.push(record);
    const answer = (status: number, body: unknown) => {
      record.status = status;
      json(res, status, body);
    };
    if (tokenFailures > 0) {
      tokenFailures--;
      return answer(503, { error: 'temporarily_unavailable' });
    }
    if (form['grant_type'] !== 'client_credentials') return answer(400, { error: 'unsupported_grant_type' });
    if (form['client_id'] !== opts.appId || form['client_secret'] !== opts.appPassword) return answer(401, { error: 'invalid_client' });
    if (form['scope'] !== 'https://api.botframework.com/.default') return answer(400, { error: 'invalid_scope' });
    const accessToken = `fake-bot-token-${randomBytes(12).toString('hex')}`;
    issuedTokens.push(accessToken);
    const lifetime = opts.tokenLifetimeSeconds ?? 3600;
    answer(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken });
  }

  function connector(req: IncomingMessage, res: ServerResponse, raw: string, m: RegExpExecArray): void {
    const method = req.method === 'PUT' ? 'PUT' : 'POST';
    const conversationId = decodeURIComponent(m[1] ?? '');
    const activityId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const auth = String(req.headers.authorization ?? '');
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    let activity: Record<string, unknown> = {};
    try {
      activity = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // recorded as empty; answered 400 below
    }
    const call: TeamsCall = { method, conversationId, ...(activityId ? { activityId } : {}), activity, token: presented, authorized: presented !== undefined && issuedTokens.includes(presented), status: 200 };
    calls.push(call);
    const answer = (status: number, body: unknown) => {
      call.status = status;
      json(res, status, body);
    };
    const failAt = failures.findIndex((f) => f.method === undefined || f.method === method);
    const failure = failAt >= 0 ? failures.splice(failAt, 1)[0]?.failure : undefined;
    if (failure?.kind === 'close') {
      call.status = 0;
      req.socket.destroy();
      return;
    }
    if (failure) return answer(failure.status, { error: { code: 'ServiceError', message: 'failing on purpose' } });
    if (!call.authorized) return answer(401, { message: 'Authorization has been denied for this request.' });
    if (activity['type'] !== 'message') return answer(400, { error: { code: 'BadArgument', message: 'activity type must be message' } });
    if (method === 'PUT') {
      const key = `${conversationId}/${activityId ?? ''}`;
      const known = activities.get(key);
      if (!known) return answer(404, { error: { code: 'ActivityNotFoundInConversation', message: 'no such activity' } });
      Object.assign(known, { activity, updates: known.updates + 1 });
      call.id = known.id;
      return answer(200, { id: known.id });
    }
    const id = `${Date.now()}${String(++seq).padStart(4, '0')}`;
    activities.set(`${conversationId}/${id}`, { conversationId, id, activity, updates: 0 });
    call.id = id;
    answer(201, { id });
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const raw = await readBody(req);
      if (req.method === 'POST' && path === '/botframework.com/oauth2/v2.0/token') return token(req, res, raw);
      if (req.method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
        return json(res, 200, {
          issuer: BOT_FRAMEWORK_ISSUER,
          authorization_endpoint: `${base}/v1/botframework.com/oauth2/v2.0/authorize`,
          jwks_uri: `${base}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      }
      if (req.method === 'GET' && path === '/v1/.well-known/keys') return json(res, 200, { keys: [publicJwk] });
      const m = CONNECTOR_PATH.exec(path);
      if (m && (req.method === 'POST' || (req.method === 'PUT' && m[2] !== undefined))) return connector(req, res, raw, m);
      json(res, 404, { error: { code: 'NotFound', message: `${req.method} ${path}` } });
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { error: { code: 'FakeTeamsError' } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function mintInboundToken(o: InboundTokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresInSeconds ?? 3600);
    const key: CryptoKey = o.forged ? forger.privateKey : signing.privateKey;
    return new SignJWT({ ...(o.withoutServiceUrl ? {} : { serviceurl: o.serviceUrl }), jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(o.issuer ?? BOT_FRAMEWORK_ISSUER)
      .setAudience(o.audience ?? o.appId)
      .setNotBefore(Math.min(now, exp) - 300)
      .setIssuedAt(Math.min(now, exp) - 300)
      .setExpirationTime(exp)
      .sign(key);
  }

  return {
    serviceUrl: `${base}/`,
    tokenUrl: `${base}/botframework.com/oauth2/v2.0/token`,
    openIdMetadataUrl: `${base}/v1/.well-known/openidconfiguration`,
    calls,
    tokenRequests,
    activities,
    issuedTokens,
    failNext: (count, failure, method) => {
      for (let i = 0; i < count; i++) failures.push({ failure, method });
    },
    failTokenRequests: (count) => void (tokenFailures = count),
    heal: () => {
      failures.splice(0);
      tokenFailures = 0;
    },
    mintInboundToken,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TeamsCardClick {
  serviceUrl: string;
  conversationId: string;
  tenantId: string;
  aadObjectId: string;
  /** Action.Execute (an `invoke` named adaptiveCard/action) or its Action.Submit fallback (a `message` with `value`). */
  via?: 'execute' | 'submit';
  verb: string;
  /** The action's data as the card carries it (reviewId, nonce) plus the inputs (reason). */
  data: Record<string, unknown>;
  /** Defaults to a fresh id per click, as Teams assigns one. */
  activityId?: string;
  name?: string;
}

/** An activity as Teams sends it when someone clicks a card action. */
export function teamsCardClick(c: TeamsCardClick): Record<string, unknown> {
  const common = {
    id: c.activityId ?? `f:${randomBytes(8).toString('hex')}`,
    timestamp: new Date().toISOString(),
    serviceUrl: c.serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${c.aadObjectId}`, aadObjectId: c.aadObjectId, name: c.name ?? 'Test User' },
    conversation: { id: c.conversationId, conversationType: 'channel', tenantId: c.tenantId },
    recipient: { id: '28:bot', name: 'Countersign' },
    channelData: { tenant: { id: c.tenantId } },
    locale: 'en-US',
  };
  if (c.via === 'submit') return { ...common, type: 'message', value: { ...c.data, verb: c.verb } };
  return { ...common, type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: c.verb, data: c.data }, trigger: 'manual' } };
}
