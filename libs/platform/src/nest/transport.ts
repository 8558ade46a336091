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
  RetryLaterError,
  subjectMatches,
  type DeliveredEvent,
  type Delivery,
  type NatsConnection,
} from '../nats/index.js';
import type { EventKeyRing } from '../event-keys/index.js';
import { JetStreamContext } from './context.js';
import { BATCH_HANDLER_EXTRA } from './decorators.js';

interface Route {
  pattern: string;
  handler: MessageHandler;
  /** Set for @OnEventBatch: the method's id, shared by the callbacks Nest made for each of its subjects. */
  batchId?: string;
}

/** Nest links further handlers of the same subject through `next`. */
function chainOf(handler: MessageHandler): MessageHandler[] {
  const chain: MessageHandler[] = [];
  for (let h: MessageHandler | undefined = handler; h; h = h.next as MessageHandler | undefined) chain.push(h);
  return chain;
}

function batchIdOf(handler: MessageHandler): string | undefined {
  const id: unknown = handler.extras?.[BATCH_HANDLER_EXTRA];
  return typeof id === 'string' ? id : undefined;
}

export interface JetStreamTransportOptions {
  url: string;
  /** Durable consumer name: every copy of the service shares it and so shares the work. */
  durable: string;
  serviceName: string;
  logger: Logger;
  /** Every delivered event's signature is checked against these keys (and its type's owner) before a handler sees it. */
  eventKeys: EventKeyRing;
  /** Deliveries before a failing message is given up (terminated and reported). Default 10; `Infinity` never gives up. */
  maxDeliver?: number;
  backoffMs?: number[];
  /**
   * The consumer's filter when it must be wider than the handlers' subjects. Audit consumes
   * `SubjectFilters.all` so that a subject no contract names is still delivered, terminated and reported
   * (the handlers' list would never see it on NATS >= 2.10, and 2.9's client-side filter would ack it
   * unseen). Every handler subject must lie inside it; a delivered subject that decodes but has no
   * handler fails its batch, so register every definition the filter can deliver.
   */
  filterSubjects?: string[];
  /** Messages pulled per request (handled one at a time, in order); with @OnEventBatch handlers the largest batch. Default 1 / 256. */
  batchSize?: number;
  /** @OnEventBatch only: how long a batch may wait for company after its first message (DurableConsumer.lingerMs). */
  lingerMs?: number;
  streamName?: string;
}

/**
 * Nest transport over one JetStream durable consumer. Its filter is the set of subjects the app's
 * @OnEvent handlers registered; each event waits for its handler (promise or observable) before ack.
 * When every handler is an @OnEventBatch one, the consumer runs in batch mode: whatever is buffered
 * (up to batchSize) goes to the handlers in one go and is acked when they all resolved.
 */
export class JetStreamTransport extends Server implements CustomTransportStrategy {
  // Nest must hand handler failures to us instead of logging them away; otherwise we would ack.
  override readonly propagatesEventHandlerErrors = true;
  private readonly events = new EventEmitter();
  private nc: NatsConnection | undefined;
  private consumer: DurableConsumer | undefined;
  private batchRoutes: Route[] = [];

  constructor(private readonly opts: JetStreamTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const routes = this.collectRoutes();
      this.nc = await connectNats({ url: this.opts.url, name: this.opts.serviceName });
      void this.forwardStatus(this.nc);
      await ensureStream(this.nc, this.opts.streamName ? { name: this.opts.streamName } : {});
      const subjects = this.consumerFilter(routes.map((r) => r.pattern));
      if (routes.length === 0) {
        this.opts.logger.warn('no @OnEvent handlers registered; the JetStream transport consumes nothing');
      } else {
        const batchMode = routes[0]!.batchId !== undefined;
        this.batchRoutes = batchMode ? routes : [];
        this.consumer = new DurableConsumer({
          nc: this.nc,
          durable: this.opts.durable,
          filterSubjects: subjects,
          publisher: new EventPublisher(this.nc, this.opts.logger, this.opts.eventKeys.signer),
          verifier: this.opts.eventKeys.verifier,
          logger: this.opts.logger,
          ...(batchMode
            ? { handleBatch: (items: DeliveredEvent[]) => this.dispatchBatch(items) }
            : { handle: (event: CountersignEvent, delivery: Delivery) => this.dispatch(event, delivery) }),
          ...(this.opts.maxDeliver !== undefined ? { maxDeliver: this.opts.maxDeliver } : {}),
          ...(this.opts.backoffMs ? { backoffMs: this.opts.backoffMs } : {}),
          ...(this.opts.batchSize !== undefined ? { batchSize: this.opts.batchSize } : {}),
          ...(this.opts.lingerMs !== undefined ? { lingerMs: this.opts.lingerMs } : {}),
          ...(this.opts.streamName ? { streamName: this.opts.streamName } : {}),
        });
        await this.consumer.start();
        this.opts.logger.info({ durable: this.opts.durable, subjects, batchMode }, 'JetStream consumer started');
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * One consumer runs either per message or per batch, so a transport refuses to start with both kinds
   * of handler: a single handler in a batch would be acked with its batch's fate, and a batch handler
   * fed one message at a time would lose the point of batching. Split them into two apps/durables.
   */
  private collectRoutes(): Route[] {
    const routes: Route[] = [];
    for (const [pattern, handler] of this.getHandlers()) {
      if (!handler.isEventHandler) {
        this.opts.logger.warn({ pattern }, 'JetStream transport serves events only; ignoring');
        continue;
      }
      const batchId = batchIdOf(handler);
      const chained = chainOf(handler).slice(1);
      if (chained.length > 0 && (batchId !== undefined || chained.some((h) => batchIdOf(h) !== undefined))) {
        // Nest chains several methods on one subject and fork-joins them with the same data; for batches
        // each would get one subject's share of the batch, which nobody needs, so refuse.
        throw new Error(`JetStreamTransport: ${pattern} has more than one handler, one of them an @OnEventBatch`);
      }
      routes.push({ pattern, handler, ...(batchId !== undefined ? { batchId } : {}) });
    }
    const batch = routes.filter((r) => r.batchId !== undefined);
    if (batch.length > 0 && batch.length < routes.length) {
      const single = routes.filter((r) => r.batchId === undefined).map((r) => r.pattern);
      throw new Error(
        `JetStreamTransport: @OnEventBatch and @OnEvent handlers cannot share one transport (per-message: ${single.join(', ')})`,
      );
    }
    return routes;
  }

  private consumerFilter(patterns: string[]): string[] {
    const filter = this.opts.filterSubjects;
    if (!filter) return patterns;
    const outside = patterns.filter((p) => !filter.some((f) => subjectMatches(f, p)));
    if (outside.length > 0) throw new Error(`JetStreamTransport: handler subjects outside filterSubjects: ${outside.join(', ')}`);
    return filter;
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

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the signature is Nest's Server.on, which we must match.
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

  /**
   * Each batch method is called once with its events in stream order; methods run one after another
   * (in order of their first event), so a later one may rely on an earlier one's commit. The first
   * throw stops the rest and naks the whole batch: handlers are idempotent on event id. A
   * RetryLaterError naming eventIds is the exception: the others still run, and only the named are nak'ed.
   */
  private async dispatchBatch(items: DeliveredEvent[]): Promise<void> {
    const calls = new Map<string, { handler: MessageHandler; items: DeliveredEvent[] }>();
    for (const item of items) {
      const route = this.batchRouteFor(item.delivery.subject);
      if (!route) throw new Error(`no handler registered for ${item.delivery.subject}`);
      const call = calls.get(route.batchId!);
      if (call) call.items.push(item);
      else calls.set(route.batchId!, { handler: route.handler, items: [item] });
    }
    const deferred: RetryLaterError[] = [];
    for (const { handler, items: mine } of calls.values()) {
      const deliveries = mine.map((i) => i.delivery);
      try {
        const result: unknown = await handler(mine, new JetStreamContext([deliveries[0]!, deliveries]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      } catch (error) {
        // A partial deferral acks the rest of the batch, so the later methods must still run first.
        if (error instanceof RetryLaterError && error.eventIds) deferred.push(error);
        else throw error;
      }
    }
    if (deferred.length === 1) throw deferred[0]!;
    if (deferred.length > 1) {
      const delays = deferred.map((e) => e.delayMs).filter((d): d is number => d !== undefined);
      throw new RetryLaterError(
        deferred.map((e) => e.message).join('; '),
        delays.length > 0 ? Math.max(...delays) : undefined,
        deferred.flatMap((e) => e.eventIds ?? []),
      );
    }
  }

  private batchRouteFor(subject: string): Route | undefined {
    return this.batchRoutes.find((r) => r.pattern === subject) ?? this.batchRoutes.find((r) => subjectMatches(r.pattern, subject));
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
