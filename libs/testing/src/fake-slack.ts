import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One Web API call as the fake received it. */
export interface SlackCall {
  method: string;
  /** The form or JSON arguments; JSON-encoded form fields (blocks, view …) are decoded. */
  args: Record<string, unknown>;
  contentType: string;
  /** The bearer token (or `token` argument) presented, whatever it was. */
  token: string | undefined;
  authorized: boolean;
  /** What the fake answered: its HTTP status and Slack's `ok`/`error`. */
  status: number;
  ok: boolean;
  error?: string;
}

export interface SlackMessageState {
  channel: string;
  ts: string;
  text: unknown;
  blocks: unknown;
  updates: number;
}

/** How the next calls fail: an HTTP 500, `{ok:false, error}` with 200, or the connection closed unanswered. */
export type SlackFailure = { kind: 'http500' } | { kind: 'not_ok'; error?: string } | { kind: 'close' };

export interface FakeSlack {
  /** Base URL for the SDK's `slackApiUrl`, ending in `/api/`. */
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Messages posted, by `<channel>/<ts>`, as last updated. */
  messages: Map<string, SlackMessageState>;
  /** The next `count` calls (of any method, or only `method`) fail as given. */
  failNext(count: number, failure: SlackFailure, method?: string): void;
  /** Drops the failures not used yet: Slack is back. */
  heal(): void;
  stop(): Promise<void>;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);
const METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'auth.test', 'users.info']);

function decodeArgs(raw: string, contentType: string): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!JSON_FIELDS.has(key)) {
      args[key] = value;
      continue;
    }
    try {
      args[key] = JSON.parse(value);
    } catch {
      args[key] = value;
    }
  }
  return args;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local HTTP server that behaves like Slack's Web API for the methods notifier uses: it checks the
 * bearer token (`invalid_auth` otherwise), answers `{ok:true, channel, ts}` like Slack, keeps the
 * messages so updates can be checked, records every call, and fails on demand. It accepts JSON and
 * form-encoded arguments, as Slack does (the SDK sends forms).
 */
export async function startFakeSlack(opts: { token: string; /** users.info: user id → e-mail (omitted: user_not_found). */ users?: Record<string, string> }): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const messages = new Map<string, SlackMessageState>();
  const failures: Array<{ failure: SlackFailure; method: string | undefined }> = [];
  const sockets = new Set<Socket>();
  let clock = 1_700_000_000;
  let seq = 0;
  // Slack's ts: Unix seconds and a per-channel sequence; unique here across channels, which is enough.
  const nextTs = () => `${clock}.${String(++seq).padStart(6, '0')}`;

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const contentType = String(req.headers['content-type'] ?? '');
      const raw = await readBody(req);
      let args: Record<string, unknown>;
      try {
        args = decodeArgs(raw, contentType);
      } catch {
        args = {};
      }
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : typeof args['token'] === 'string' ? args['token'] : undefined;
      const authorized = token === opts.token;
      const call: SlackCall = { method, args, contentType, token, authorized, status: 200, ok: true };
      calls.push(call);
      const settle = (status: number, body: Record<string, unknown>) => {
        call.status = status;
        call.ok = body['ok'] === true;
        if (typeof body['error'] === 'string') call.error = body['error'];
        answer(res, status, body);
      };

      const failAt = failures.findIndex((f) => f.method === undefined || f.method === method);
      const failure = failAt >= 0 ? failures.splice(failAt, 1)[0]?.failure : undefined;
      if (failure) {
        if (failure.kind === 'close') {
          call.status = 0;
          call.ok = false;
          call.error = 'connection closed';
          req.socket.destroy();
          return;
        }
        if (failure.kind === 'http500') return settle(500, { ok: false, error: 'internal_error' });
        return settle(200, { ok: false, error: failure.error ?? 'internal_error' });
      }
      if (!token) return settle(401, { ok: false, error: 'not_authed' });
      if (!authorized) return settle(401, { ok: false, error: 'invalid_auth' });
      if (!METHODS.has(method)) return settle(404, { ok: false, error: 'unknown_method' });
      settle(...handle(method, args));
    })().catch(() => {
      if (!res.headersSent) answer(res, 500, { ok: false, error: 'fake_slack_error' });
    });
  });

  function handle(method: string, args: Record<string, unknown>): [number, Record<string, unknown>] {
    const channel = typeof args['channel'] === 'string' ? args['channel'] : undefined;
    if (method === 'auth.test') return [200, { ok: true, team_id: 'T0FAKE', user_id: 'U0BOT' }];
    if (method === 'users.info') {
      const id = typeof args['user'] === 'string' ? args['user'] : '';
      const email = opts.users?.[id];
      if (email === undefined) return [200, { ok: false, error: 'user_not_found' }];
      return [200, { ok: true, user: { id, team_id: 'T0FAKE', deleted: false, is_bot: false, profile: { email } } }];
    }
    if (method === 'views.open') {
      if (typeof args['trigger_id'] !== 'string') return [200, { ok: false, error: 'invalid_arguments' }];
      if (typeof args['view'] !== 'object' || args['view'] === null) return [200, { ok: false, error: 'invalid_arguments' }];
      return [200, { ok: true, view: { id: `V${++seq}`, ...(args['view'] as object) } }];
    }
    if (!channel) return [200, { ok: false, error: 'channel_not_found' }];
    if (args['text'] === undefined && args['blocks'] === undefined) return [200, { ok: false, error: 'no_text' }];
    if (method === 'chat.postMessage') {
      const ts = nextTs();
      messages.set(`${channel}/${ts}`, { channel, ts, text: args['text'], blocks: args['blocks'], updates: 0 });
      return [200, { ok: true, channel, ts, message: { text: args['text'], blocks: args['blocks'] } }];
    }
    if (method === 'chat.update') {
      const ts = String(args['ts'] ?? '');
      const message = messages.get(`${channel}/${ts}`);
      if (!message) return [200, { ok: false, error: 'message_not_found' }];
      Object.assign(message, { text: args['text'], blocks: args['blocks'], updates: message.updates + 1 });
      return [200, { ok: true, channel, ts, text: args['text'] }];
    }
    // chat.postEphemeral
    if (typeof args['user'] !== 'string') return [200, { ok: false, error: 'user_not_in_channel' }];
    return [200, { ok: true, message_ts: nextTs() }];
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  clock = Math.floor(Date.now() / 1000);

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages,
    failNext: (count, failure, method) => {
      for (let i = 0; i < count; i++) failures.push({ failure, method });
    },
    heal: () => void failures.splice(0),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The headers Slack sends with a signed request (v0: HMAC-SHA256 over `v0:<ts>:<body>`). */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(timestampSeconds);
  const signature = createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': `v0=${signature}`,
  };
}

/** An interactivity body as Slack posts it: the payload JSON in a `payload` form field. */
export function slackInteractionBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
