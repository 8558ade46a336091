#!/usr/bin/env node
// npm run bench:statements: SQL statements, round trips and transactions per intent, per service. Each
// service reaches Postgres through its own counting proxy (lib/pg-counter.mjs); allowed intents are
// submitted at a modest closed-loop concurrency and the counts are divided by the intents decided.
// Background loops (republisher, timers, checkpoints) are included: they are part of the cost.
import { writeFile } from 'node:fs/promises';
import { startPgCounter } from './lib/pg-counter.mjs';
import { closedLoop, SERVICE_NAMES, startBenchSystem } from './lib/system.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const counters = {};
let bench;
const cleanup = async () => {
  await bench?.stop();
  for (const c of Object.values(counters)) await c.stop();
};
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

try {
  bench = await startBenchSystem({
    prefix: 'cs_bench_sql',
    databaseUrlFor: async (service, url) => {
      const target = new URL(url);
      counters[service] = await startPgCounter({ host: target.hostname, port: Number(target.port || 5432) });
      target.host = `127.0.0.1:${counters[service].port}`;
      return target.toString();
    },
  });
  await closedLoop(bench, 4, 2, 1_000_000);
  await new Promise((r) => setTimeout(r, 1000));
  const before = Object.fromEntries(SERVICE_NAMES.map((s) => [s, counters[s].snapshot()]));
  const run = await closedLoop(bench, CONCURRENCY, SECONDS, 0);
  // Broker and audit finish the last intents' events after their decisions were seen.
  await new Promise((r) => setTimeout(r, 1000));
  const perService = {};
  const per = (n) => +(n / run.count).toFixed(2);
  console.log(`${run.count} allowed intents at concurrency ${CONCURRENCY} (${run.perSecond}/s); per intent:`);
  console.log('service   statements  round trips  transactions');
  const total = { statements: 0, roundTrips: 0, transactions: 0 };
  for (const s of SERVICE_NAMES) {
    const now = counters[s].snapshot();
    const d = Object.fromEntries(Object.keys(now).map((k) => [k, now[k] - before[s][k]]));
    for (const k of Object.keys(total)) total[k] += d[k];
    perService[s] = { statements: per(d.statements), roundTrips: per(d.roundTrips), transactions: per(d.transactions) };
    console.log(`${s.padEnd(9)} ${String(per(d.statements)).padStart(10)}  ${String(per(d.roundTrips)).padStart(11)}  ${String(per(d.transactions)).padStart(12)}`);
  }
  console.log(`${'all'.padEnd(9)} ${String(per(total.statements)).padStart(10)}  ${String(per(total.roundTrips)).padStart(11)}  ${String(per(total.transactions)).padStart(12)}`);
  await writeFile(
    new URL('statements.json', import.meta.url),
    JSON.stringify({ concurrency: CONCURRENCY, intents: run.count, perIntent: perService, total: { statements: per(total.statements), roundTrips: per(total.roundTrips), transactions: per(total.transactions) } }, null, 2) + '\n',
  );
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
