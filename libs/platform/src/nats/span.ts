import { context, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { extractTraceContext } from '../telemetry/index.js';
import type { Delivery } from './decode.js';

const tracer = trace.getTracer('@countersign/platform/nats');

/**
 * Runs a handler inside a CONSUMER span. One message: the span continues the publisher's trace.
 * A batch: the span starts its own trace and links every message's context (OTel messaging convention).
 */
export async function withConsumerSpan(
  consumer: string,
  items: ReadonlyArray<{ delivery: Delivery }>,
  fn: () => Promise<void>,
): Promise<void> {
  const single = items.length === 1 ? items[0]!.delivery : undefined;
  const parent = single ? extractTraceContext(single.headers) : context.active();
  const links: Link[] = single
    ? []
    : items.flatMap(({ delivery }) => {
        const sc = trace.getSpanContext(extractTraceContext(delivery.headers));
        return sc ? [{ context: sc }] : [];
      });
  const name = single ? `process ${single.subject}` : `process batch`;
  return tracer.startActiveSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.batch.message_count': items.length,
        ...(single
          ? {
              'messaging.destination.name': single.subject,
              'messaging.message.id': single.eventId,
              'messaging.nats.delivery_count': single.deliveryCount,
            }
          : {}),
      },
    },
    parent,
    async (span) => {
      try {
        await fn();
        span.setStatus({ code: SpanStatusCode.OK });
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
