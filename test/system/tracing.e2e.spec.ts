import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';
import { call, waitForState, type IntentView } from './client.js';

// The services export spans over OTLP/HTTP (JSON) to a small receiver in this test, configured only by
// the standard OTEL_* variables, as an operator would point them at a collector.
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  links?: Array<{ traceId: string; spanId: string }>;
}
interface Received {
  service: string;
  span: OtlpSpan;
}

let receiver: Server;
const received: Received[] = [];
let sys: System;

function serviceOf(resource: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }): string {
  return resource.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{ resource: Parameters<typeof serviceOf>[0]; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const rs of body.resourceSpans) {
          for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ service: serviceOf(rs.resource), span });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  sys = await startSystem({
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
});
afterAll(async () => {
  await sys?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('one trace from the HTTP request to the grant', () => {
  it('joins intake, policy, broker and audit through the NATS headers', async () => {
    const traceId = randomBytes(16).toString('hex');
    const token = await sys.token('ci-deployer');
    const submitted = await call<IntentView>('POST', `${sys.urls.intake}/v1/intents`, {
      token,
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: { action: 'db.query', resource: { kind: 'db', id: 'traced', env: 'staging' }, justification: 'trace me' },
    });
    expect(submitted.status).toBe(202);
    await waitForState(sys.urls.intake, token, submitted.body.id, ['granted']);

    await expectEventually(
      () => {
        const inTrace = received.filter((r) => r.span.traceId === traceId);
        expect(inTrace.some((r) => r.service === 'intake')).toBe(true);
        // A consumer handling one message continues the message's trace; one handling a batch of several
        // (audit always, policy and broker under load) starts a span of its own that links each message's
        // trace. Either way the intent's work is joined to the caller's trace.
        const joined = (service: string) =>
          received.some((r) => r.service === service && (r.span.traceId === traceId || r.span.links?.some((l) => l.traceId === traceId)));
        expect(['policy', 'broker', 'audit'].filter((s) => !joined(s))).toEqual([]);
        // Policy's work, when it continues the trace, is a child of a span in it, not a fresh root.
        const policySpan = inTrace.find((r) => r.service === 'policy');
        if (policySpan) expect(policySpan.span.parentSpanId).toBeTruthy();
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    // The audit log keeps the trace id each event travelled with: intake published intent.submitted
    // inside the caller's trace, so an auditor can go from the row to this trace.
    const auditor = await sys.token('carol');
    await expectEventually(async () => {
      const page = await call<{ events: Array<{ type: string; traceId: string | null }> }>('GET', `${sys.urls.audit}/v1/audit/events?intentId=${submitted.body.id}`, { token: auditor });
      expect(page.body.events.find((e) => e.type === 'intent.submitted')?.traceId).toBe(traceId);
      expect(page.body.events.every((e) => /^[0-9a-f]{32}$/.test(e.traceId ?? ''))).toBe(true);
    });
  });
});
