import type { CountersignEvent } from '@countersign/contracts';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { EventSigner } from '../event-keys/index.js';
import { injectTraceContext } from '../telemetry/index.js';
import { InvalidEventError, UnknownEventTypeError } from './errors.js';
import { StreamAcks, type StreamAck } from './stream-acks.js';
import { definitionFor, describeZodError, subjectOf } from './subjects.js';

/** Header names shared by publisher and consumer. */
export const Headers = {
  msgId: 'Nats-Msg-Id',
  intentId: 'Countersign-Intent-Id',
} as const;

/** How many publishes publishAll keeps in flight; past ~256 the Node client gains nothing (STACK.md). */
const PIPELINE_WINDOW = 256;

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

/**
 * Validates against the contract, then publishes to JetStream and waits for the stream's ack. The event
 * id doubles as Nats-Msg-Id, so a retry after a lost ack (or a re-publish from an outbox) is stored once.
 */
export class EventPublisher {
  private readonly acks: StreamAcks;

  /**
   * `signer` signs each event as it leaves (every service passes its own; see event-keys). The bytes
   * sent are the validated event plus its `signature`, so an outbox re-publishing a stored event sends
   * the same signature again (Ed25519 is deterministic).
   */
  constructor(
    nc: NatsConnection,
    private readonly logger: Logger,
    private readonly signer?: EventSigner,
  ) {
    this.acks = new StreamAcks(nc);
  }

  async publish(event: CountersignEvent): Promise<PublishResult> {
    const ack = await this.send(event);
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /**
   * Publishes in order with many acks outstanding. Writes leave in call order on one connection, so the
   * stream keeps that order; on failure the rest are still attempted and the first error is thrown
   * (callers retry the whole list: ids make the retry idempotent).
   */
  async publishAll(events: readonly CountersignEvent[]): Promise<void> {
    // Validate everything first so that an invalid event never leaves a half-published list behind.
    const prepared = events.map((e) => this.prepare(e));
    let firstError: unknown;
    const inFlight = new Set<Promise<void>>();
    for (const p of prepared) {
      const pending: Promise<void> = this.acks
        .publish(p.subject, p.payload, p.headers)
        .then(
          () => undefined,
          (error: unknown) => {
            firstError ??= error;
          },
        )
        .finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      if (inFlight.size >= PIPELINE_WINDOW) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (firstError !== undefined) throw firstError;
  }

  private async send(event: CountersignEvent): Promise<StreamAck> {
    const p = this.prepare(event);
    const ack = await this.acks.publish(p.subject, p.payload, p.headers);
    if (ack.duplicate) this.logger.debug({ eventId: p.id, subject: p.subject }, 'duplicate publish ignored by stream');
    return ack;
  }

  private prepare(event: CountersignEvent) {
    const subject = subjectOf(event);
    const def = definitionFor(subject);
    if (!def) throw new UnknownEventTypeError(subject);
    const parsed = def.schema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(subject, describeZodError(parsed.error));
    const h = natsHeaders();
    h.set(Headers.msgId, event.id);
    if (event.intentId) h.set(Headers.intentId, event.intentId);
    injectTraceContext(h);
    const valid = parsed.data as CountersignEvent;
    const signed = this.signer ? { ...valid, signature: this.signer.sign(valid) } : valid;
    return { subject, id: event.id, headers: h, payload: JSON.stringify(signed) };
  }
}
