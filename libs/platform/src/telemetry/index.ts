import { context as otelContext, isSpanContextValid, ROOT_CONTEXT, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { core, NodeSDK, type tracing } from '@opentelemetry/sdk-node';
import type { MsgHdrs } from '@nats-io/transport-node';

export interface TelemetryOptions {
  /** Replace the env-configured exporters (tests pass an in-memory exporter here). */
  spanProcessors?: tracing.SpanProcessor[];
}

let started: NodeSDK | undefined;

const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Starts OpenTelemetry once per process. Exporters follow the standard OTEL_* variables, but an unset
 * OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER means "none" here rather than the
 * SDK's "otlp": a service started without a collector must not spend its life retrying localhost:4318.
 */
export function startTelemetry(serviceName: string, opts: TelemetryOptions = {}): NodeSDK {
  if (started) return started;
  const unset = (name: string) => (process.env[name] ?? '').trim() === '';
  if (unset('OTEL_TRACES_EXPORTER')) process.env['OTEL_TRACES_EXPORTER'] = 'none';
  // With no exporter nobody sees an HTTP span, yet the instrumentation patches every request (attributes,
  // async context): a tenth of intake's CPU per intent. It is loaded only when traces go somewhere;
  // NATS headers carry trace context either way (injectTraceContext).
  const exported = opts.spanProcessors !== undefined || process.env['OTEL_TRACES_EXPORTER'] !== 'none';
  const sdk = new NodeSDK({
    serviceName,
    // Probes hit /healthz and /readyz every few seconds: spans for them are noise and cost CPU.
    instrumentations: exported ? [new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => HEALTH_PATHS.has((req.url ?? '').split('?')[0] ?? '') })] : [],
    textMapPropagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
    ...(unset('OTEL_METRICS_EXPORTER') ? { metricReaders: [] } : {}),
    ...(unset('OTEL_LOGS_EXPORTER') ? { logRecordProcessors: [] } : {}),
  });
  sdk.start();
  started = sdk;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void sdk
        .shutdown()
        .catch(() => undefined)
        .finally(() => {
          // Our listener replaced Node's default "exit on signal"; restore it when nobody else
          // (such as Nest's shutdown hooks) has taken charge of ending the process.
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    });
  }
  return sdk;
}

const setter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};
const getter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  get: (carrier, key) => {
    if (!carrier?.has(key)) return undefined;
    return carrier.get(key);
  },
};

/**
 * NATS headers always carry W3C trace context, whatever OTEL_PROPAGATORS says for HTTP, so that every
 * service can continue a trace even when one of them runs without the SDK.
 */
const w3c = new core.W3CTraceContextPropagator();

export function injectTraceContext(headers: MsgHdrs, ctx: Context = otelContext.active()): void {
  w3c.inject(ctx, headers, setter);
}

/** The root context is the default base: a consumer's span belongs to the publisher's trace, not the loop's. */
export function extractTraceContext(headers: MsgHdrs | undefined, base: Context = ROOT_CONTEXT): Context {
  return w3c.extract(base, headers, getter);
}

/** The trace id a message's headers carry (W3C traceparent), or undefined when they carry none. */
export function traceIdOf(headers: MsgHdrs | undefined): string | undefined {
  const span = trace.getSpanContext(extractTraceContext(headers));
  return span && isSpanContextValid(span) ? span.traceId : undefined;
}
