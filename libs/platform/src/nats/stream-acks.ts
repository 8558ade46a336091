import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface StreamAck {
  seq: number;
  duplicate: boolean;
}

/** The stream did not confirm a publish: it refused it, nobody answered in time, or the connection went away. */
export class PublishNotAckedError extends Error {
  readonly code = 'PUBLISH_NOT_ACKED';
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`publish to ${subject} not acknowledged by the stream: ${reason}`);
    this.name = 'PublishNotAckedError';
  }
}

interface Waiter {
  subject: string;
  deadline: number;
  resolve(ack: StreamAck): void;
  reject(error: Error): void;
}

const SWEEP_MS = 250;

/**
 * JetStream publishes with their acks matched on one long-lived reply subscription. The client's own
 * `js.publish` is a request: per message a mux entry, a timer and up to three Error objects with stack
 * traces (most of a publisher's CPU once batches get large). Here a publish is one core publish plus a
 * map entry, and one sweeper enforces the deadlines. The guarantee is unchanged: a publish resolves
 * only on the stream's ack, and every failure (refusal, timeout, closed connection) rejects it.
 */
export class StreamAcks {
  private sub: Subscription | undefined;
  private prefix = '';
  private counter = 0;
  private readonly waiting = new Map<string, Waiter>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5_000,
  ) {}

  publish(subject: string, payload: string | Uint8Array, headers: MsgHdrs): Promise<StreamAck> {
    const prefix = this.subscribed();
    const token = (++this.counter).toString(36);
    return new Promise<StreamAck>((resolve, reject) => {
      this.waiting.set(token, { subject, deadline: Date.now() + this.timeoutMs, resolve, reject });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
      try {
        this.nc.publish(subject, payload, { reply: prefix + token, headers });
      } catch (error) {
        this.settle(token, error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private subscribed(): string {
    if (this.sub && !this.sub.isClosed()) return this.prefix;
    const inbox = createInbox();
    this.prefix = `${inbox}.`;
    const sub = this.nc.subscribe(`${inbox}.*`, {
      callback: (err, msg) => {
        if (err) this.failAll(err.message);
        else this.onReply(msg);
      },
    });
    this.sub = sub;
    // A closed subscription (connection closed or drained) can deliver no more acks.
    void sub.closed.then(() => {
      if (this.sub === sub) this.failAll('connection closed before the ack arrived');
    });
    return this.prefix;
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return; // already timed out
    if (msg.data.length === 0) {
      // A 503 status: no stream listens on the subject (or JetStream is off).
      const status = msg.headers?.code;
      this.settle(token, new PublishNotAckedError(w.subject, status === 503 ? 'no stream answered (503)' : 'empty reply'));
      return;
    }
    let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = msg.json();
    } catch {
      this.settle(token, new PublishNotAckedError(w.subject, 'unreadable ack'));
      return;
    }
    if (ack.error) {
      const e = ack.error;
      this.settle(token, new PublishNotAckedError(w.subject, `${e.description ?? 'refused'} (${e.err_code ?? e.code ?? '?'})`));
    } else if (!ack.stream || typeof ack.seq !== 'number') {
      this.settle(token, new PublishNotAckedError(w.subject, 'invalid ack response'));
    } else {
      this.waiting.delete(token);
      w.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
    }
  }

  private settle(token: string, error: Error): void {
    const w = this.waiting.get(token);
    if (!w) return;
    this.waiting.delete(token);
    w.reject(error);
  }

  /** Runs while publishes are outstanding; stopping only here avoids a timer per lone publish. */
  private sweep(): void {
    if (this.waiting.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline <= now) this.settle(token, new PublishNotAckedError(w.subject, `no ack within ${this.timeoutMs} ms`));
    }
  }

  private failAll(reason: string): void {
    for (const [token, w] of this.waiting) this.settle(token, new PublishNotAckedError(w.subject, reason));
  }
}
