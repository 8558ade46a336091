#!/usr/bin/env node
// npm run bench: the whole system under HTTP load, beside a baseline measured in the same run.
// Not a test: it prints figures (and writes them to test/bench/results.json) for the README.
//
// System: POST /v1/intents (allowed intents) then GET ?wait until the decision is visible to the
// requester. Baseline: the same events through raw core NATS publish→subscribe and a batched
// Postgres INSERT — the least any design that persists every event must do.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { createTestDatabase, freePort, startNatsServer } from '../../libs/testing/dist/index.js';
import { applyMigrations } from '../../libs/platform/dist/db/index.js';
import { DevIssuer, loadDemoIdentities } from '../../libs/platform/dist/auth/index.js';
import { launchSystem } from '../../scripts/launcher.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,4,16,64').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 200);

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function summary(latencies, elapsedMs) {
  const s = [...latencies].sort((a, b) => a - b);
  return {
    count: s.length,
    perSecond: Math.round((s.length / elapsedMs) * 1000),
    p50: +percentile(s, 50).toFixed(2),
    p99: +percentile(s, 99).toFixed(2),
  };
}

function intentBody(i) {
  return {
    action: 'db.query',
    resource: { kind: 'db', id: `orders-${i % 1000}`, env: 'staging' },
    args: { sql: `select * from orders where id = ${i}` },
    justification: 'benchmark',
  };
}

async function oneIntent(intakeUrl, token, i) {
  const started = performance.now();
  const res = await fetch(`${intakeUrl}/v1/intents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(intentBody(i)),
  });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
  const { id } = await res.json();
  for (;;) {
    const r = await fetch(`${intakeUrl}/v1/intents/${id}?wait=30&state=submitted`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const view = await r.json();
    if (r.status === 200 && view.state !== 'submitted') return performance.now() - started;
    if (r.status !== 200 && r.status !== 404) throw new Error(`wait: ${r.status}`);
  }
}

async function closedLoop(intakeUrl, token, concurrency, seconds, offset) {
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  let next = offset;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) latencies.push(await oneIntent(intakeUrl, token, next++));
    }),
  );
  return summary(latencies, performance.now() - started);
}

/** Open loop: arrivals at a fixed rate whatever the latency, which is how real load behaves. */
async function fixedRate(intakeUrl, token, rate, seconds, offset) {
  const latencies = [];
  const inflight = [];
  let failures = 0;
  const started = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Past saturation an open loop piles up connections; a refused or timed-out request is a failure to
    // count, not a reason to abort the run.
    inflight.push(
      oneIntent(intakeUrl, token, offset + i).then(
        (ms) => latencies.push(ms),
        () => failures++,
      ),
    );
  }
  await Promise.all(inflight);
  return { ...summary(latencies, performance.now() - started), offered: total, failures };
}

/** Baseline: per intent, three ~1 KB events published on core NATS, received, batch-inserted. */
async function baseline(natsUrl, databaseUrl, concurrency, seconds) {
  const nc = await connect({ servers: natsUrl });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_baseline (id uuid primary key, payload jsonb not null)');
  const pending = new Map();
  let buffer = [];
  let flushing = Promise.resolve();
  const flush = async () => {
    const rows = buffer;
    buffer = [];
    if (rows.length === 0) return;
    const values = rows.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2})`).join(',');
    await pool.query(`INSERT INTO bench_baseline (id, payload) VALUES ${values}`, rows.flatMap((r) => [r.id, r.payload]));
    for (const r of rows) pending.get(r.key)?.();
  };
  const sub = nc.subscribe('bench.baseline');
  (async () => {
    for await (const m of sub) {
      const event = m.json();
      buffer.push({ id: event.id, payload: JSON.stringify(event), key: event.key });
      if (buffer.length >= 100) flushing = flushing.then(flush);
      else queueMicrotask(() => (flushing = flushing.then(flush)));
    }
  })();
  const payload = 'x'.repeat(900);
  let n = 0;
  const one = async () => {
    const started = performance.now();
    const keys = [0, 1, 2].map(() => `${n++}`);
    const done = Promise.all(keys.map((key) => new Promise((resolve) => pending.set(key, resolve))));
    for (const key of keys) nc.publish('bench.baseline', JSON.stringify({ id: crypto.randomUUID(), key, payload }));
    await done;
    for (const key of keys) pending.delete(key);
    return performance.now() - started;
  };
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) latencies.push(await one());
    }),
  );
  const result = summary(latencies, performance.now() - started);
  sub.unsubscribe();
  await nc.drain();
  await pool.end();
  return result;
}

async function main() {
  const nats = await startNatsServer();
  const db = await createTestDatabase('cs_bench');
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-bench-'));
  let system;
  cleanup = async () => {
    await system?.stop();
    await db.drop();
    await nats.stop();
  };
  try {
    await applyMigrations(db.url);
    // Free ports, so that a running `npm start` on the default ports does not get in the way.
    const ports = {};
    for (const svc of ['intake', 'policy', 'notifier', 'broker', 'audit']) ports[svc] = await freePort();
    system = await launchSystem({ natsUrl: nats.url, databaseUrl: db.url, dataDir, ports, logs: 'ignore', env: { LOG_LEVEL: 'warn' } });
    const identities = await loadDemoIdentities(join(root, 'config/demo-identities.yaml'));
    const issuer = await DevIssuer.loadOrCreate(system.devIssuerDir);
    const token = await issuer.mint(identities.find((i) => i.id === 'ci-deployer') ?? identities[0], { ttlSeconds: 3600 });

    // Warm up JIT, connections and consumers before measuring.
    await closedLoop(system.urls.intake, token, 4, 2, 1_000_000);

    const results = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, levels: [] };
    let offset = 0;
    for (const c of LEVELS) {
      const sys = await closedLoop(system.urls.intake, token, c, SECONDS, (offset += 100_000));
      const base = await baseline(nats.url, db.url, c, SECONDS);
      const row = { concurrency: c, system: sys, baseline: base, throughputRatio: +(sys.perSecond / base.perSecond).toFixed(2) };
      results.levels.push(row);
      console.log(
        `c=${String(c).padStart(3)}  system ${String(sys.perSecond).padStart(5)}/s p50 ${sys.p50} ms p99 ${sys.p99} ms   ` +
          `baseline ${String(base.perSecond).padStart(5)}/s p50 ${base.p50} ms p99 ${base.p99} ms   ratio ${row.throughputRatio}`,
      );
    }
    const atRate = await fixedRate(system.urls.intake, token, RATE, SECONDS * 2, (offset += 100_000));
    results.fixedRate = { rate: RATE, ...atRate };
    console.log(
      `fixed ${RATE}/s: achieved ${atRate.perSecond}/s, submit→decision p50 ${atRate.p50} ms, p99 ${atRate.p99} ms, ` +
        `${atRate.failures} of ${atRate.offered} failed`,
    );
    const best = results.levels.reduce((a, b) => (b.system.perSecond > a.system.perSecond ? b : a));
    const bestBase = Math.max(...results.levels.map((l) => l.baseline.perSecond));
    results.saturation = { system: best.system.perSecond, baseline: bestBase, ratio: +(best.system.perSecond / bestBase).toFixed(2) };
    console.log(`saturation: system ${best.system.perSecond}/s vs baseline ${bestBase}/s (ratio ${results.saturation.ratio})`);
    await writeFile(join(root, 'test/bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  } finally {
    await cleanup();
  }
}

// Stop the services (and drop the database) on Ctrl-C or a timeout's SIGTERM, not only on success.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
let cleanup = async () => {};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
