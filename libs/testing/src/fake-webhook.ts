import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, whether or not its signature verified. */
export interface WebhookCall {
  headers: IncomingHttpHeaders;
  body: string;
  /** The Standard Webhooks verification passed (signature over id, timestamp and body, recent timestamp). */
  verified: boolean;
  error?: string;
  /** What the receiver answered (0: closed the connection unanswered). */
  status: number;
}

/** A verified message: its id, timestamp and parsed JSON payload. */
export interface WebhookDelivery {
  id: string;
  timestamp: number;
  payload: Record<string, unknown> & { type?: string };
}

export type WebhookFailure = { kind: 'status'; status: number } | { kind: 'close' };

export interface FakeWebhook {
  url: string;
  calls: WebhookCall[];
  /** Verified messages, in arrival order (a retried message appears once per successful attempt). */
  deliveries: WebhookDelivery[];
  ofType(type: string): WebhookDelivery[];
  failNext(count: number, failure: WebhookFailure): void;
  heal(): void;
  stop(): Promise<void>;
}

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * A webhook receiver that behaves like a careful consumer: it verifies every request with the Standard
 * Webhooks reference library (the same one notifier signs with), answers 401 to a bad signature and
 * 204 otherwise, records what it got, and fails on demand (a status such as 500 or 410, or a closed
 * connection).
 */
export async function startFakeWebhook(opts: { secret: string }): Promise<FakeWebhook> {
  const verifier = new Webhook(opts.secret);
  const calls: WebhookCall[] = [];
  const deliveries: WebhookDelivery[] = [];
  const failures: WebhookFailure[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const call: WebhookCall = { headers: req.headers, body, verified: false, status: 0 };
      calls.push(call);
      const failure = failures.shift();
      if (failure?.kind === 'close') {
        req.socket.destroy();
        return;
      }
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      let payload: unknown;
      try {
        payload = verifier.verify(body, headers);
        call.verified = true;
      } catch (error) {
        call.error = (error as Error).message;
      }
      if (failure) {
        call.status = failure.status;
        res.writeHead(failure.status).end();
        return;
      }
      call.status = call.verified ? 204 : 401;
      if (call.verified) deliveries.push({ id: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), payload: payload as WebhookDelivery['payload'] });
      res.writeHead(call.status).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/countersign`,
    calls,
    deliveries,
    ofType: (type) => deliveries.filter((d) => d.payload.type === type),
    failNext: (count, failure) => {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    heal: () => void failures.splice(0),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
