#!/usr/bin/env node
// npm run bench: the whole system under HTTP load, beside a baseline measured in the same run.
// Not a test: it prints figures (and writes them to test/bench/results.json) for the README.
//
// System: POST /v1/intents (allowed intents) then GET ?wait until the decision is visible to the
// requester. Baseline: the same events through raw core NATS publish→subscribe and a batched
// Postgres INSERT — the least any design that persists every event must do. Each level also reports
// CPU milliseconds per intent for every service, nats-server, Postgres and the load generator.
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { closedLoop, fixedRate, formatCpu, startBenchSystem, summary, withCpu } from './lib/system.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,4,16,64').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 200);

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
  const bench = await startBenchSystem({ prefix: 'cs_bench' });
  cleanup = () => bench.stop();
  try {
    // Warm up JIT, connections and consumers before measuring.
    await closedLoop(bench, 4, 2, 1_000_000);

    const results = { machine: { cpus: cpus().length, node: process.version }, levels: [] };
    let offset = 0;
    for (const c of LEVELS) {
      const sys = await withCpu(bench, () => closedLoop(bench, c, SECONDS, (offset += 100_000)));
      const base = await baseline(bench.nats.url, bench.db.url, c, SECONDS);
      const row = { concurrency: c, system: sys, baseline: base, throughputRatio: +(sys.perSecond / base.perSecond).toFixed(2) };
      results.levels.push(row);
      console.log(
        `c=${String(c).padStart(3)}  system ${String(sys.perSecond).padStart(5)}/s p50 ${sys.p50} ms p99 ${sys.p99} ms   ` +
          `baseline ${String(base.perSecond).padStart(5)}/s p50 ${base.p50} ms p99 ${base.p99} ms   ratio ${row.throughputRatio}`,
      );
      console.log(`       CPU ms per intent: ${formatCpu(sys.cpuMsPerIntent)}`);
    }
    const atRate = await withCpu(bench, () => fixedRate(bench, RATE, SECONDS * 2, (offset += 100_000)));
    results.fixedRate = { rate: RATE, ...atRate };
    console.log(
      `fixed ${RATE}/s: achieved ${atRate.perSecond}/s, submit→decision p50 ${atRate.p50} ms, p99 ${atRate.p99} ms, ` +
        `${atRate.failures} of ${atRate.offered} failed ${atRate.failures ? JSON.stringify(atRate.failureReasons) : ''}`,
    );
    console.log(`       CPU ms per intent: ${formatCpu(atRate.cpuMsPerIntent)}`);
    const best = results.levels.reduce((a, b) => (b.system.perSecond > a.system.perSecond ? b : a));
    const bestBase = Math.max(...results.levels.map((l) => l.baseline.perSecond));
    results.saturation = { system: best.system.perSecond, baseline: bestBase, ratio: +(best.system.perSecond / bestBase).toFixed(2) };
    console.log(`saturation: system ${best.system.perSecond}/s vs baseline ${bestBase}/s (ratio ${results.saturation.ratio})`);
    await writeFile(new URL('results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
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
