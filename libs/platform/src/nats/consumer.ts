import { STREAM_NAME, type CountersignEvent } from '@countersign/contracts';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ensureDurable, supportsTermReason } from './consumer-setup.js';
import type { EventVerifier } from '../event-keys/index.js';
import { decodeMessage, rejectionEvent, signatureRejectionEvent, type Delivery } from './decode.js';
import { RetryLaterError } from './errors.js';
import { withConsumerSpan } from './span.js';
import type { EventPublisher } from './publisher.js';
import { subjectMatches } from './subjects.js';

export type { Delivery } from './decode.js';

export interface DeliveredEvent {
  event: CountersignEvent;
  delivery: Delivery;
}

export interface DurableConsumerOptions {
  nc: NatsConnection;
  /** Durable name, shared by every copy of the service so that they split the work. */
  durable: string;
  filterSubjects: string[];
  /** Used to publish MessageRejectedV1 / SignatureRejectedV1 for refused or abandoned messages. */
  publisher: EventPublisher;
  /**
   * Every service passes its key ring's verifier: an event whose signature is missing, does not verify
   * or is not its type's owner's is reported (SignatureRejectedV1) and terminated, never handled.
   */
  verifier?: EventVerifier;
  logger: Logger;
  handle?: (event: CountersignEvent, delivery: Delivery) => Promise<void>;
  handleBatch?: (items: DeliveredEvent[]) => Promise<void>;
  /** Messages pulled per request; in handleBatch mode also the largest batch. 1 / 256 by default. */
  batchSize?: number;
  /**
   * handleBatch mode: after a batch's first message, wait up to this long for more (default 0: take only
   * what is already buffered). For consumers off the decision path (audit), so that moderate rates still
   * make batches of many events instead of one transaction per event.
   */
  lingerMs?: number;
  /** Deliveries before a failing message is terminated and reported. Default 10; `Infinity` retries for ever (with backoff). */
  maxDeliver?: number;
  backoffMs?: number[];
  ackWaitMs?: number;
  streamName?: string;
}

const DEFAULT_BACKOFF = [250, 1_000, 5_000, 15_000, 30_000];
const RESTART_DELAY_MS = 1_000;

/**
 * A JetStream durable pull consumer with the house rules built in: malformed messages are terminated
 * and reported, handler failures are retried with backoff up to maxDeliver, and a message is acked
 * only after its handler resolved and the server confirmed the ack.
 */
export class DurableConsumer {
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly maxDeliver: number;
  private readonly backoff: number[];
  private readonly log: Logger;
  private clientFilter: string[] | null = null;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: DurableConsumerOptions) {
    if (!opts.handle === !opts.handleBatch) throw new Error('DurableConsumer needs exactly one of handle or handleBatch');
    this.batchSize = Math.max(1, opts.batchSize ?? (opts.handleBatch ? 256 : 1));
    this.lingerMs = opts.handleBatch ? Math.max(0, opts.lingerMs ?? 0) : 0;
    this.maxDeliver = Math.max(1, opts.maxDeliver ?? 10);
    this.backoff = opts.backoffMs?.length ? opts.backoffMs : DEFAULT_BACKOFF;
    this.log = opts.logger.child({ consumer: opts.durable });
  }

  private get stream(): string {
    return this.opts.streamName ?? STREAM_NAME;
  }

  /** Creates or updates the durable (failing loudly if that is impossible), then consumes in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    await this.setup();
    this.loop = this.run();
  }

  /** Stops pulling, lets the in-flight handler finish (and ack), and hands buffered messages back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    void this.messages?.close();
    await this.loop;
    this.loop = undefined;
  }

  private async setup(): Promise<void> {
    const plan = await ensureDurable(this.opts.nc, {
      stream: this.stream,
      durable: this.opts.durable,
      filters: this.opts.filterSubjects,
      ackWaitMs: this.opts.ackWaitMs ?? 30_000,
    });
    this.clientFilter = plan.clientFilter;
    if (plan.clientFilter) {
      this.log.info({ filter: plan.server.filter_subject }, 'server < 2.10: filtering several subjects client-side');
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const consumer = await jetstream(this.opts.nc).consumers.get(this.stream, this.opts.durable);
        this.messages = await consumer.consume({ max_messages: this.batchSize });
        // stop() may have run while we were still subscribing, before there was anything to close.
        if (this.stopping) void this.messages.close();
        void this.watchStatus(this.messages);
        await this.pump(this.messages);
      } catch (error) {
        if (this.stopping || this.opts.nc.isClosed()) break;
        this.log.warn({ err: error }, 'consumer loop failed; restarting');
      }
      if (this.stopping) break;
      if (this.opts.nc.isClosed()) {
        this.log.warn('NATS connection closed under a running consumer; it stops');
        break;
      }
      await this.sleep(RESTART_DELAY_MS);
      await this.setup().catch((error: unknown) => this.log.warn({ err: error }, 'cannot re-create durable'));
    }
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found' || s.type === 'heartbeats_missed') {
        this.log.warn({ status: s.type }, 'consumer status');
        if (s.type !== 'heartbeats_missed') void this.messages?.close();
      }
    }
  }

  /** Takes whatever is already buffered (up to batchSize) without waiting for more. */
  private async pump(messages: ConsumerMessages): Promise<void> {
    const it = messages[Symbol.asyncIterator]();
    let next = it.next();
    for (;;) {
      const first = await next;
      if (first.done) return;
      const batch: JsMsg[] = [first.value];
      next = it.next();
      const lingered = this.lingerMs > 0 ? delay(this.lingerMs) : undefined;
      while (batch.length < this.batchSize) {
        const r = await Promise.race([next, lingered ?? nextTurn()]);
        if (r === TURN || r.done) break;
        batch.push(r.value);
        next = it.next();
      }
      if (this.stopping) {
        // Hand back what we hold so another copy takes it now rather than after ack_wait.
        for (const m of batch) m.nak();
        continue;
      }
      await this.process(batch);
    }
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const valid: Array<DeliveredEvent & { msg: JsMsg }> = [];
    for (const m of batch) {
      if (this.clientFilter && !this.clientFilter.some((f) => subjectMatches(f, m.subject))) {
        m.ack();
        continue;
      }
      const decoded = decodeMessage(m);
      if (!decoded.ok) {
        await this.reject(m, decoded.reason, 'malformed message terminated');
        continue;
      }
      const item = this.verified(decoded.event, decoded.delivery);
      if ('refused' in item) await this.reject(m, item.refused.reason, 'event refused for its signature; terminated', undefined, item.refused);
      else valid.push({ ...item, msg: m });
    }
    if (valid.length === 0) return;
    if (this.opts.handle) {
      for (const item of valid) await this.runHandler([item], () => this.opts.handle!(item.event, item.delivery));
    } else {
      await this.runHandler(valid, () => this.opts.handleBatch!(valid.map(({ event, delivery }) => ({ event, delivery }))));
    }
  }

  /** Moves the checked signature from the event to its delivery, or says why the event is refused. */
  private verified(event: CountersignEvent, delivery: Delivery): DeliveredEvent | { refused: { type: string; reason: string; kid?: string; service?: string } } {
    const verifier = this.opts.verifier;
    if (!verifier) return { event, delivery };
    const check = verifier.verifyEvent(event);
    if (!check.ok) return { refused: { ...check, type: event.type } };
    const { signature, ...unsigned } = event;
    return { event: unsigned as CountersignEvent, delivery: { ...delivery, signature: { jws: signature!, kid: check.kid, service: check.service } } };
  }

  private async runHandler(items: Array<DeliveredEvent & { msg: JsMsg }>, fn: () => Promise<void>): Promise<void> {
    try {
      await withConsumerSpan(this.opts.durable, items, fn);
    } catch (error) {
      if (error instanceof RetryLaterError && error.eventIds) {
        // The handler committed everything but these: ack the rest so they are not redone later.
        const later = new Set(error.eventIds);
        const retry = items.filter((i) => later.has(i.delivery.eventId));
        await Promise.all(retry.map((item) => this.onFailure(item.msg, item.delivery, error)));
        await this.ackAll(items.filter((i) => !later.has(i.delivery.eventId)));
        return;
      }
      await Promise.all(items.map((item) => this.onFailure(item.msg, item.delivery, error)));
      return;
    }
    await this.ackAll(items);
  }

  /**
   * Waiting for the server's confirmation is what makes "ack after commit" hold across a crash. One
   * confirmation covers the batch: the server applies a consumer's acks in the order they arrive on
   * the connection, so once it answers the last one, the earlier plain acks are applied too.
   */
  private async ackAll(items: ReadonlyArray<DeliveredEvent & { msg: JsMsg }>): Promise<void> {
    const last = items[items.length - 1];
    if (!last) return;
    for (let i = 0; i < items.length - 1; i++) items[i]!.msg.ack();
    try {
      await last.msg.ackAck();
    } catch (error) {
      this.log.warn(
        { err: error, eventId: last.delivery.eventId, seq: last.delivery.streamSequence, batch: items.length },
        'ack not confirmed; expect a redelivery',
      );
    }
  }

  private async onFailure(m: JsMsg, delivery: Delivery, error: unknown): Promise<void> {
    const ctx = { eventId: delivery.eventId, subject: delivery.subject, seq: delivery.streamSequence, deliveryCount: delivery.deliveryCount };
    if (error instanceof RetryLaterError) {
      const delay = error.delayMs ?? this.backoffFor(delivery.deliveryCount);
      this.log.info({ ...ctx, delayMs: delay, reason: error.message }, 'handler deferred the message');
      m.nak(delay);
      return;
    }
    const message = errorMessage(error);
    if (delivery.deliveryCount >= this.maxDeliver) {
      await this.reject(m, `gave up after ${delivery.deliveryCount} deliveries: ${message}`, 'handler kept failing; message terminated', error);
      return;
    }
    const delay = this.backoffFor(delivery.deliveryCount);
    this.log.warn({ ...ctx, err: error, delayMs: delay }, 'handler failed; will retry');
    m.nak(delay);
  }

  private backoffFor(deliveryCount: number): number {
    return this.backoff[Math.min(Math.max(deliveryCount, 1), this.backoff.length) - 1]!;
  }

  /**
   * Reports first, terminates second: if the report cannot be published the message is retried
   * rather than silently dropped, so a refusal is always audit-visible.
   */
  private async reject(
    m: JsMsg,
    reason: string,
    logMessage: string,
    error?: unknown,
    forSignature?: Parameters<typeof signatureRejectionEvent>[2],
  ): Promise<void> {
    const ctx = { subject: m.subject, seq: m.seq, deliveryCount: m.info.deliveryCount, reason };
    try {
      const report = forSignature
        ? signatureRejectionEvent(m, this.opts.durable, forSignature)
        : rejectionEvent(m, this.opts.durable, reason);
      await this.opts.publisher.publish(report);
    } catch (publishError) {
      this.log.error({ ...ctx, err: publishError }, 'cannot publish rejection; will retry the message');
      m.nak(this.backoffFor(m.info.deliveryCount));
      return;
    }
    this.log.error({ ...ctx, ...(error ? { err: error } : {}) }, logMessage);
    if (supportsTermReason(this.opts.nc.info?.version)) m.term(reason.slice(0, 200));
    else m.term();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Nest's RPC filters may turn errors into plain `{ status, message }` objects. */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

const TURN = Symbol('turn');
function delay(ms: number): Promise<typeof TURN> {
  return new Promise((resolve) => setTimeout(() => resolve(TURN), ms));
}
/** Resolves after pending I/O callbacks, so messages the client already holds win the race. */
function nextTurn(): Promise<typeof TURN> {
  return new Promise((resolve) => setImmediate(() => resolve(TURN)));
}
