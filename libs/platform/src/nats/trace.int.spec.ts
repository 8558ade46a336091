import { randomUUID } from 'node:crypto';
import { createEvent, IntentWithdrawnV1 } from '@countersign/contracts';
import { expectEventually, startNatsServer, type RunningNats } from '@countersign/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.js';
import { UuidV7Generator } from '../runtime/index.js';
import { startTelemetry } from '../telemetry/index.js';
import { connectNats, DurableConsumer, ensureStream, EventPublisher, type NatsConnection } from './index.js';

const exporter = new tracing.InMemorySpanExporter();
const processor = new tracing.SimpleSpanProcessor(exporter);
const sdk = startTelemetry('trace-test', { spanProcessors: [processor] });
const logger = createLogger('trace-test', 'silent');

describe('trace context over JetStream', () => {
  let nats: RunningNats;
  let nc: NatsConnection;
  let consumer: DurableConsumer;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ url: nats.url, name: 'trace-test' });
    await ensureStream(nc);
  });
  afterAll(async () => {
    await consumer?.stop();
    await nc?.drain();
    await nats?.stop();
    await sdk.shutdown();
  });

  it('handles an event inside a CONSUMER span of the publisher’s trace', async () => {
    const publisher = new EventPublisher(nc, logger);
    const seen: Array<{ traceId: string | undefined; eventId: string }> = [];
    consumer = new DurableConsumer({
      nc,
      durable: 'trace-test',
      filterSubjects: [IntentWithdrawnV1.subject],
      publisher,
      logger,
      handle: async (event) => {
        seen.push({ traceId: trace.getActiveSpan()?.spanContext().traceId, eventId: event.id });
      },
    });
    await consumer.start();

    const event = createEvent(IntentWithdrawnV1, {
      id: new UuidV7Generator().next(),
      occurredAt: new Date(),
      intentId: randomUUID(),
      actor: { kind: 'user', id: 'alice' },
      data: {},
    });
    const tracer = trace.getTracer('test');
    const producer = await tracer.startActiveSpan('produce', async (span) => {
      await publisher.publish(event);
      span.end();
      return span.spanContext();
    });

    await expectEventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.traceId).toBe(producer.traceId);

    // The exporter's shutdown empties it: flush, don't shut down, before reading.
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans();
    const consumerSpan = spans.find((s) => s.kind === SpanKind.CONSUMER);
    expect(consumerSpan).toBeDefined();
    expect(consumerSpan!.spanContext().traceId).toBe(producer.traceId);
    expect(consumerSpan!.parentSpanContext?.spanId).toBe(producer.spanId);
    expect(consumerSpan!.attributes['messaging.message.id']).toBe(event.id);
  });
});
