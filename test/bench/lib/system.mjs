// The system under load, shared by `npm run bench` and `npm run bench:statements`: a private nats-server
// and database, the five services, a requester token, and the load loops (closed and open).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, freePort, startNatsServer } from '../../../libs/testing/dist/index.js';
import { applyMigrations } from '../../../libs/platform/dist/db/index.js';
import { DevIssuer, loadDemoIdentities } from '../../../libs/platform/dist/auth/index.js';
import { launchSystem, SERVICE_NAMES } from '../../../scripts/launcher.mjs';
import { cpuMeter } from './cpu.mjs';
import { httpClient } from './http-load.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));
export { SERVICE_NAMES };

/**
 * @param {{ prefix: string, databaseUrlFor?: (service: string, url: string) => string | Promise<string> }} opts
 *   databaseUrlFor: lets a service reach Postgres through something else (a counting proxy)
 */
export async function startBenchSystem(opts) {
  const nats = await startNatsServer();
  const db = await createTestDatabase(opts.prefix);
  let system;
  const stop = async () => {
    await system?.stop();
    await db.drop();
    await nats.stop();
  };
  try {
    await applyMigrations(db.url);
    // Free ports, so that a running `npm start` on the default ports does not get in the way.
    const ports = {};
    for (const svc of SERVICE_NAMES) ports[svc] = await freePort();
    const envByService = {};
    for (const svc of SERVICE_NAMES) {
      envByService[svc] = {};
      if (opts.databaseUrlFor) envByService[svc].DATABASE_URL = await opts.databaseUrlFor(svc, db.url);
      // BENCH_CPU_PROF_DIR=dir: every service writes a V8 CPU profile there when it stops (open in Chrome DevTools).
      if (process.env.BENCH_CPU_PROF_DIR) {
        envByService[svc].NODE_OPTIONS = `--import=${fileURLToPath(new URL('cpu-profile.mjs', import.meta.url))}`;
        envByService[svc].BENCH_PROFILE_NAME = svc;
      }
    }
    system = await launchSystem({
      natsUrl: nats.url,
      databaseUrl: db.url,
      dataDir: await mkdtemp(join(tmpdir(), `${opts.prefix}-`)),
      ports,
      logs: 'ignore',
      env: { LOG_LEVEL: 'warn' },
      envByService,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const identities = await loadDemoIdentities(join(root, 'config/demo-identities.yaml'));
  const issuer = await DevIssuer.loadOrCreate(system.devIssuerDir);
  const token = await issuer.mint(identities.find((i) => i.id === 'ci-deployer') ?? identities[0], { ttlSeconds: 3600 });
  const admin = new pg.Pool({ connectionString: db.url, max: 1 });
  // Postgres work is done by the backends serving the services' pools: counted as one group.
  const dbName = new URL(db.url).pathname.slice(1);
  const meter = cpuMeter(async () => {
    const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
    return {
      ...Object.fromEntries(SERVICE_NAMES.map((s) => [s, [system.pid(s)].filter(Boolean)])),
      'nats-server': [nats.pid].filter(Boolean),
      postgres: rows.map((r) => r.pid),
      'load generator': [process.pid],
    };
  });
  return {
    nats,
    db,
    system,
    token,
    meter,
    async stop() {
      await admin.end();
      await stop();
    },
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
export function summary(latencies, elapsedMs) {
  const s = [...latencies].sort((a, b) => a - b);
  return {
    count: s.length,
    perSecond: Math.round((s.length / elapsedMs) * 1000),
    p50: +percentile(s, 50).toFixed(2),
    p99: +percentile(s, 99).toFixed(2),
  };
}

function intentBody(i) {
  return JSON.stringify({
    action: 'db.query',
    resource: { kind: 'db', id: `orders-${i % 1000}`, env: 'staging' },
    args: { sql: `select * from orders where id = ${i}` },
    justification: 'benchmark',
  });
}

/** Submits one allowed intent and long-polls until its decision is visible; resolves with ms taken. */
async function oneIntent(client, token, i) {
  const started = performance.now();
  const auth = { authorization: `Bearer ${token}` };
  const res = await client.request('POST', '/v1/intents', { ...auth, 'content-type': 'application/json' }, intentBody(i));
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
  const { id } = res.body;
  for (;;) {
    const r = await client.request('GET', `/v1/intents/${id}?wait=30&state=submitted`, auth);
    if (r.status === 200 && r.body.state !== 'submitted') return performance.now() - started;
    if (r.status !== 200 && r.status !== 404) throw new Error(`wait: ${r.status}`);
  }
}

/** `concurrency` requesters, each submitting its next intent once the previous one is decided. */
export async function closedLoop(bench, concurrency, seconds, offset) {
  const client = httpClient(bench.system.urls.intake, concurrency);
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  let next = offset;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) latencies.push(await oneIntent(client, bench.token, next++));
    }),
  );
  const result = summary(latencies, performance.now() - started);
  client.close();
  return result;
}

/** Open loop: arrivals at a fixed rate whatever the latency, which is how real load behaves. */
export async function fixedRate(bench, rate, seconds, offset) {
  const client = httpClient(bench.system.urls.intake);
  const latencies = [];
  const inflight = [];
  let failures = 0;
  const reasons = {};
  const started = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Past saturation an open loop piles up connections; a refused or timed-out request is a failure to
    // count, not a reason to abort the run.
    inflight.push(
      oneIntent(client, bench.token, offset + i).then(
        (ms) => latencies.push(ms),
        (error) => {
          failures++;
          const reason = String(error?.code ?? error?.message ?? error).slice(0, 60);
          reasons[reason] = (reasons[reason] ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const result = { ...summary(latencies, performance.now() - started), offered: total, failures, failureReasons: reasons };
  client.close();
  return result;
}

/** Runs `load` and returns its result with CPU ms per intent for each process group. */
export async function withCpu(bench, load) {
  const before = await bench.meter.snapshot();
  const result = await load();
  // Broker and audit finish their share of the last intents after the decisions were seen.
  await new Promise((r) => setTimeout(r, 1000));
  const used = await bench.meter.since(before);
  const perIntent = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, +(ms / Math.max(1, result.count)).toFixed(2)]));
  return { ...result, cpuMsPerIntent: perIntent };
}

export function formatCpu(perIntent) {
  return Object.entries(perIntent)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}
