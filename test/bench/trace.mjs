#!/usr/bin/env node
// npm run bench:trace — where one intent's time goes. Starts the system with OTLP/HTTP (JSON) export
// to a receiver in this process, submits a few allowed intents one at a time, and prints each one's
// spans across services (start offset from the POST, duration). Not a test; a tool for the perf work.
import { createServer } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, freePort, startNatsServer } from '../../libs/testing/dist/index.js';
import { applyMigrations } from '../../libs/platform/dist/db/index.js';
import { DevIssuer, loadDemoIdentities } from '../../libs/platform/dist/auth/index.js';
import { launchSystem } from '../../scripts/launcher.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const INTENTS = Number(process.env.TRACE_INTENTS ?? 6);
const SHOW = Number(process.env.TRACE_SHOW ?? 2);

const spans = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const svc = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '?';
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ svc, ...s });
      }
    } catch {
      // A body we cannot read is skipped; the tool reports what it could collect.
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

const nats = await startNatsServer();
const db = await createTestDatabase('cs_trace');
let system;
try {
  await applyMigrations(db.url);
  const ports = {};
  for (const svc of ['intake', 'policy', 'notifier', 'broker', 'audit']) ports[svc] = await freePort();
  system = await launchSystem({
    natsUrl: nats.url,
    databaseUrl: db.url,
    ports,
    dataDir: await mkdtemp(join(tmpdir(), 'cs-trace-')),
    logs: 'ignore',
    env: {
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.address().port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  const identities = await loadDemoIdentities(join(root, 'config/demo-identities.yaml'));
  const token = await (await DevIssuer.loadOrCreate(system.devIssuerDir)).mint(identities.find((i) => i.name === 'ci-deployer'));
  for (let i = 0; i < INTENTS; i++) {
    const res = await fetch(`${system.urls.intake}/v1/intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'db.query', resource: { kind: 'db', id: `t${i}`, env: 'staging' }, justification: 'trace' }),
    });
    const { id } = await res.json();
    await fetch(`${system.urls.intake}/v1/intents/${id}?wait=10&state=submitted`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => setTimeout(r, 400));
  }
  await new Promise((r) => setTimeout(r, 1500));
  const ns = (s, k) => BigInt(s[k]);
  const posts = spans.filter((s) => s.svc === 'intake' && s.name.startsWith('POST')).sort((a, b) => (ns(a, 'startTimeUnixNano') < ns(b, 'startTimeUnixNano') ? -1 : 1));
  for (const post of posts.slice(-SHOW)) {
    const t0 = ns(post, 'startTimeUnixNano');
    const inTrace = spans
      .filter((s) => s.traceId === post.traceId || (s.links ?? []).some((l) => l.traceId === post.traceId))
      .sort((a, b) => (ns(a, 'startTimeUnixNano') < ns(b, 'startTimeUnixNano') ? -1 : 1));
    console.log('--- one intent');
    for (const s of inTrace) {
      const at = Number(ns(s, 'startTimeUnixNano') - t0) / 1e6;
      const dur = Number(ns(s, 'endTimeUnixNano') - ns(s, 'startTimeUnixNano')) / 1e6;
      console.log(`${s.svc.padEnd(8)} +${at.toFixed(1).padStart(7)} ms  ${dur.toFixed(1).padStart(6)} ms  ${s.name}`);
    }
  }
} finally {
  await system?.stop();
  await db.drop();
  await nats.stop();
  receiver.close();
}
