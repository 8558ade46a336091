import { createHash } from 'node:crypto';
import { createEvent, MessageRejectedV1, SignatureRejectedV1, type CountersignEvent } from '@countersign/contracts';
import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { z } from 'zod';
import { UuidV7Generator, type IdGenerator } from '../runtime/index.js';
import { Headers } from './publisher.js';
import { definitionFor, describeZodError } from './subjects.js';

/** What a handler learns about the message besides the event itself. */
export interface Delivery {
  subject: string;
  streamSequence: number;
  /** 1 on the first delivery; grows on every redelivery (nak, ack timeout, crash). */
  deliveryCount: number;
  eventId: string;
  headers?: MsgHdrs;
  /** The emitter's verified signature (the envelope's `signature`, removed from the event handed on). */
  signature?: { jws: string; kid: string; service: string };
}

export type Decoded =
  | { ok: true; event: CountersignEvent; delivery: Delivery }
  | { ok: false; reason: string };

// Stateless between calls (no `stream` option), so one instance serves every message.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses and validates without ever putting payload contents into the reason. */
export function decodeMessage(m: JsMsg): Decoded {
  const def = definitionFor(m.subject);
  if (!def) return { ok: false, reason: `unknown subject ${m.subject}: no contract defines it` };
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(m.data));
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8 JSON' };
  }
  const parsed = def.schema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: describeZodError(parsed.error) };
  const event = parsed.data as CountersignEvent;
  return {
    ok: true,
    event,
    delivery: {
      subject: m.subject,
      streamSequence: m.seq,
      deliveryCount: m.info.deliveryCount,
      eventId: event.id,
      ...(m.headers ? { headers: m.headers } : {}),
    },
  };
}

const Uuid = z.uuid();
const Uuid7 = z.uuid({ version: 'v7' });
const REASON_MAX = 4000;

/** What both rejection events say about the refused message, from headers and bytes only. */
function refusedMessage(m: JsMsg, consumer: string, reason: string, max: number) {
  const header = (name: string) => (m.headers?.has(name) ? m.headers.get(name) : undefined);
  const intentId = Uuid.safeParse(header(Headers.intentId));
  const original = Uuid7.safeParse(header(Headers.msgId));
  return {
    intentId: intentId.success ? intentId.data : null,
    data: {
      subject: m.subject,
      consumer,
      streamSequence: m.seq,
      payloadSha256: createHash('sha256').update(m.data).digest('hex'),
      reason: reason.length > max ? `${reason.slice(0, max - 1)}…` : reason,
      ...(original.success ? { originalEventId: original.data } : {}),
    },
  };
}

/** The audit-visible record of a message this consumer refused or gave up on. */
export function rejectionEvent(
  m: JsMsg,
  consumer: string,
  reason: string,
  ids: IdGenerator = defaultIds,
  now: Date = new Date(),
) {
  const { intentId, data } = refusedMessage(m, consumer, reason, REASON_MAX);
  return createEvent(MessageRejectedV1, { id: ids.next(), occurredAt: now, intentId, actor: { kind: 'service', id: consumer }, data });
}

/** The audit-visible record of an event refused for its signature (missing, forged, or not its owner's). */
export function signatureRejectionEvent(
  m: JsMsg,
  consumer: string,
  refused: { type: string; reason: string; kid?: string | undefined; service?: string | undefined },
  ids: IdGenerator = defaultIds,
  now: Date = new Date(),
) {
  const { intentId, data } = refusedMessage(m, consumer, refused.reason, 1000);
  return createEvent(SignatureRejectedV1, {
    id: ids.next(),
    occurredAt: now,
    intentId,
    actor: { kind: 'service', id: consumer },
    data: {
      ...data,
      eventType: refused.type.slice(0, 128),
      ...(refused.kid ? { kid: refused.kid.slice(0, 128) } : {}),
      ...(refused.service ? { signer: refused.service } : {}),
    },
  });
}

const defaultIds = new UuidV7Generator();
