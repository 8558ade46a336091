import { EventEmitter } from 'node:events';
import type { CountersignEvent } from '@countersign/contracts';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Logger } from 'pino';
import {
  connectNats,
  DurableConsumer,
  ensureStream,
  EventPublisher,
  subjectMatches,
  type Delivery,
  type NatsConnection,
} from '../nats/index.js';
import { JetStreamContext } from './context.js';

export interface JetStreamTransportOptions {
  url: string;
  /** Durable consumer name: every copy of the service shares it and so shares the work. */
  durable: string;
  serviceName: string;
  logger: Logger;
  maxDeliver?: number;
  backoffMs?: number[];
  /** Messages pulled per request (handled one at a time, in order). Default 1. */
  batchSize?: number;
  streamName?: string;
}

/**
 * Nest transport over one JetStream durable consumer. Its filter is the set of subjects the app's
 * @OnEvent handlers registered; each event waits for its handler (promise or observable) before ack.
 */
export class JetStreamTransport extends Server implements CustomTransportStrategy {
  // Nest must hand handler failures to us instead of logging them away; otherwise we would ack.
  override readonly propagatesEventHandlerErrors = true;
  private readonly events = new EventEmitter();
  private nc: NatsConnection | undefined;
  private consumer: DurableConsumer | undefined;

  constructor(private readonly opts: JetStreamTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.nc = await connectNats({ url: this.opts.url, name: this.opts.serviceName });
      void this.forwardStatus(this.nc);
      await ensureStream(this.nc, this.opts.streamName ? { name: this.opts.streamName } : {});
      const subjects = [...this.getHandlers().entries()]
        .filter(([pattern, handler]) => {
          if (!handler.isEventHandler) this.opts.logger.warn({ pattern }, 'JetStream transport serves events only; ignoring');
          return handler.isEventHandler;
        })
        .map(([pattern]) => pattern);
      if (subjects.length === 0) {
        this.opts.logger.warn('no @OnEvent handlers registered; the JetStream transport consumes nothing');
      } else {
        this.consumer = new DurableConsumer({
          nc: this.nc,
          durable: this.opts.durable,
          filterSubjects: subjects,
          publisher: new EventPublisher(this.nc, this.opts.logger),
          logger: this.opts.logger,
          handle: (event, delivery) => this.dispatch(event, delivery),
          ...(this.opts.maxDeliver !== undefined ? { maxDeliver: this.opts.maxDeliver } : {}),
          ...(this.opts.backoffMs ? { backoffMs: this.opts.backoffMs } : {}),
          ...(this.opts.batchSize !== undefined ? { batchSize: this.opts.batchSize } : {}),
          ...(this.opts.streamName ? { streamName: this.opts.streamName } : {}),
        });
        await this.consumer.start();
        this.opts.logger.info({ durable: this.opts.durable, subjects }, 'JetStream consumer started');
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain();
    this.events.removeAllListeners();
  }

  unwrap<T>(): T {
    if (!this.nc) throw new Error('JetStreamTransport is not listening yet');
    return this.nc as T;
  }

  on<EventKey extends string | number | symbol = string, EventCallback = Function>(event: EventKey, callback: EventCallback): void {
    this.events.on(String(event), callback as (...args: unknown[]) => void);
  }

  private async dispatch(event: CountersignEvent, delivery: Delivery): Promise<void> {
    const handler = this.handlerFor(delivery.subject);
    if (!handler) throw new Error(`no handler registered for ${delivery.subject}`);
    const result: unknown = await handler(event, new JetStreamContext([delivery]));
    // Observables (several handlers on one subject are fork-joined into one) must complete before ack.
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  private handlerFor(subject: string): MessageHandler | null {
    const exact = this.getHandlerByPattern(subject);
    if (exact) return exact;
    for (const [pattern, handler] of this.getHandlers()) {
      if (subjectMatches(pattern, subject)) return handler;
    }
    return null;
  }

  private async forwardStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        this.opts.logger.warn({ status: s.type }, 'NATS connection status');
      }
      this.events.emit(s.type, s);
    }
  }
}
