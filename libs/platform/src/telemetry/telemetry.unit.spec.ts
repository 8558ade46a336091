import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceContext } from './index.js';

describe('trace context in NATS headers', () => {
  it('round-trips a span context through traceparent', () => {
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    const h = headers();
    injectTraceContext(h, trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(h.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const extracted = trace.getSpanContext(extractTraceContext(h));
    expect(extracted).toMatchObject({ ...spanContext, isRemote: true });
  });
  it('yields no span context when headers are absent', () => {
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(headers()))).toBeUndefined();
  });
});
