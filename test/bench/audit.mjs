#!/usr/bin/env node
// npm run bench:audit — issue 6's audit figures, each beside a baseline measured in the same run:
//   ingest   events/s the audit service appends from NATS  vs  a plain batched INSERT of the same rows
//   export   GET /v1/audit/export of the whole log (time, audit RSS peak)  vs  psql \copy of the same rows
//   verify   `countersign audit verify` events/s  vs  raw Ed25519 verifies on one core and on every core
// Not a test: it prints figures and writes test/bench/audit-results.json. Sizes: BENCH_AUDIT_INGEST
// (default 20,000) and BENCH_AUDIT_EVENTS (default 1,000,000; the log the export and verify run on).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { createEvent, GrantRedeemedV1 } from '../../libs/contracts/dist/index.js';
import { chainHash, Ed25519Key, GENESIS_HASH, leafHash, signEntry } from '../../libs/platform/dist/crypto/index.js';
import { applyMigrations } from '../../libs/platform/dist/db/index.js';
import { connectNats, ensureStream, EventPublisher } from '../../libs/platform/dist/nats/index.js';
import { DevIssuer, loadDemoIdentities } from '../../libs/platform/dist/auth/index.js';
import { ownerSigner, signedView, testEventKeys } from '../../libs/platform/dist/event-keys/index.js';
import { createTestDatabase, freePort, startNatsServer } from '../../libs/testing/dist/index.js';
import { serviceEnv, ServiceProcess } from '../../scripts/lib/services.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const INGEST = Number(process.env.BENCH_AUDIT_INGEST ?? 20_000);
const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const BATCH = 256; // AUDIT_BATCH_SIZE's default: the plain insert gets the same batches

const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, child() { return silentLogger; } };
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => Math.round(bytes / 1024 / 1024);

/** One realistic event: what broker publishes at redeem (ids, hashes, an audience). */
function event() {
  return createEvent(GrantRedeemedV1, {
    id: uuidv7(), occurredAt: new Date(), intentId: uuidv7(), actor: { kind: 'service', id: 'broker' },
    data: { grantId: uuidv7(), jti: uuidv7(), intentHash: 'ab'.repeat(32), audience: 'db:prod/customers' },
  });
}

/** Peak resident memory of a process, sampled from /proc while `work` runs. */
async function peakRss(pid, work) {
  let peak = 0;
  const sample = async () => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb * 1024);
  };
  const timer = setInterval(sample, 50);
  try {
    const result = await work();
    await sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

async function startAudit(ctx) {
  const port = await freePort();
  const env = serviceEnv('audit', {
    natsUrl: ctx.natsUrl, databaseUrl: ctx.databaseUrl, port, repoRoot: root,
    devIssuerJwksFile: ctx.issuer.jwksFile, brokerKeyFile: '', auditKeyFile: ctx.keyFile, maskKeyFile: '',
    eventKeyFiles: { audit: ctx.eventKeys.keyFile('audit') }, eventKeysFile: ctx.eventKeys.keysFile,
    baseEnv: { LOG_LEVEL: 'warn' }, overrides: { AUDIT_CHECKPOINT_INTERVAL_MS: '3600000' },
  });
  const svc = new ServiceProcess('audit', { repoRoot: root, port, env: { PATH: process.env.PATH, ...env }, logs: 'pipe', onUnexpectedExit: () => {} });
  svc.start();
  await svc.waitReady(60_000);
  return svc;
}

async function countRows(sql) {
  return Number((await sql.query('SELECT count(*) AS n FROM audit.events')).rows[0].n);
}

async function ingest(ctx, sql) {
  const audit = await startAudit(ctx);
  const nc = await connectNats({ url: ctx.natsUrl, name: 'bench-audit' });
  await ensureStream(nc);
  // Signed as broker signs them: audit refuses an event its owner did not sign.
  const publisher = new EventPublisher(nc, silentLogger, ownerSigner());
  const events = Array.from({ length: INGEST }, event);
  const before = await countRows(sql);
  const started = performance.now();
  for (let i = 0; i < events.length; i += 1000) await publisher.publishAll(events.slice(i, i + 1000));
  while ((await countRows(sql)) < before + INGEST) await new Promise((r) => setTimeout(r, 20));
  const auditMs = performance.now() - started;
  await nc.drain();
  await audit.stop();

  // Baseline: the very rows audit wrote, inserted again in batches of the same size into a plain table.
  await sql.query('CREATE TABLE bench_plain (LIKE audit.events)');
  const { rows } = await sql.query('SELECT * FROM audit.events WHERE seq > $1 ORDER BY seq', [before]);
  const columns = Object.keys(rows[0]);
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const params = columns.map((c) => batch.map((r) => (c === 'payload' ? JSON.stringify(r[c]) : r[c])));
    const types = columns.map((c, n) => `$${n + 1}::${typeOf(c)}[]`).join(', ');
    await sql.query(`INSERT INTO bench_plain (${columns.join(', ')}) SELECT * FROM unnest(${types})`, params);
  }
  const plainMs = performance.now() - t0;
  await sql.query('DROP TABLE bench_plain');
  return { events: INGEST, auditPerSecond: (INGEST / auditMs) * 1000, plainPerSecond: (INGEST / plainMs) * 1000 };
}

function typeOf(column) {
  if (column === 'seq') return 'bigint';
  if (column === 'event_id' || column === 'intent_id') return 'uuid';
  if (column === 'payload') return 'jsonb';
  if (column.endsWith('_at')) return 'timestamptz';
  return 'text';
}

/** Fills the log to EVENTS rows the way the audit service would (same signed view, leaf, chain and signatures). */
async function fill(sql, key) {
  const broker = ownerSigner();
  const head = (await sql.query('SELECT seq, entry_hash FROM audit.events ORDER BY seq DESC LIMIT 1')).rows[0];
  let seq = Number(head?.seq ?? 0);
  let prev = head?.entry_hash ?? GENESIS_HASH;
  const started = performance.now();
  while (seq < EVENTS) {
    const n = Math.min(5_000, EVENTS - seq);
    const cols = Array.from({ length: 14 }, () => []);
    for (let i = 0; i < n; i++) {
      const e = event();
      const serviceSignature = broker.sign(e);
      const serviceKid = JSON.parse(Buffer.from(serviceSignature.split('.')[0], 'base64url').toString()).kid;
      const payload = signedView(e);
      const leaf = leafHash(payload);
      const entry = chainHash(prev, leaf);
      [++seq, e.id, GrantRedeemedV1.subject, e.type, e.intentId, e.occurredAt, JSON.stringify(payload), leaf, prev, entry, signEntry(key, entry), key.kid, serviceSignature, serviceKid]
        .forEach((v, c) => cols[c].push(v));
      prev = entry;
    }
    await sql.query(
      `INSERT INTO audit.events (seq, event_id, subject, type, intent_id, occurred_at, payload, leaf_hash, prev_hash, entry_hash, signature, kid, service_signature, service_kid)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[], $7::jsonb[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])`,
      cols,
    );
    if (seq % 100_000 < 5_000) process.stderr.write(`  filled ${fmt(seq)} / ${fmt(EVENTS)} events\r`);
  }
  process.stderr.write('\n');
  return (performance.now() - started) / 1000;
}

async function exportLog(ctx, sql, dir) {
  const audit = await startAudit(ctx);
  const token = await ctx.issuer.mint(ctx.auditor);
  const file = join(dir, 'export.jsonl');
  const { result: exportMs, peak } = await peakRss(audit.child.pid, async () => {
    const started = performance.now();
    // node:http, not fetch: WHATWG streams cost the client more per chunk than the server spends.
    const res = await new Promise((resolve, reject) => get(`${audit.url}/v1/audit/export`, { headers: { authorization: `Bearer ${token}` } }, resolve).on('error', reject));
    if (res.statusCode !== 200) throw new Error(`export: ${res.statusCode}`);
    await pipeline(res, createWriteStream(file));
    return performance.now() - started;
  });
  const jwks = await (await fetch(`${audit.url}/.well-known/jwks.json`)).text();
  await writeFile(join(dir, 'jwks.json'), jwks);
  await audit.stop();
  const size = (await stat(file)).size;

  const copyFile = join(dir, 'copy.csv');
  const t0 = performance.now();
  const copy = spawnSync('psql', [ctx.databaseUrl, '-q', '-c', `\\copy (SELECT seq, event_id, subject, type, intent_id, occurred_at, payload, leaf_hash, prev_hash, entry_hash, signature, kid FROM audit.events ORDER BY seq) TO '${copyFile}'`], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr}`);
  const copyMs = performance.now() - t0;
  const rows = await countRows(sql);
  return { file, events: rows, exportMs, copyMs, auditPeakRss: peak, bytes: size, copyBytes: (await stat(copyFile)).size };
}

async function verifyExport(dir, file, events, eventKeysFile) {
  const cli = join(root, 'apps', 'cli', 'bin', 'countersign.mjs');
  const child = spawn(process.execPath, [cli, 'audit', 'verify', file, '--jwks', join(dir, 'jwks.json'), '--event-keys', eventKeysFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const { result, peak } = await peakRss(child.pid, async () => {
    const started = performance.now();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    return { code, ms: performance.now() - started };
  });
  return { events, ok: result.code === 0, output: out.trim().split('\n').at(-1), ms: result.ms, perSecond: (events / result.ms) * 1000, peakRss: peak };
}

/** Raw Ed25519 verifies of as many signatures, on one thread and on every core (worker threads). */
async function rawVerify(n) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.from('ab'.repeat(32));
  const signature = sign(null, message, privateKey);
  const one = n => { for (let i = 0; i < n; i++) verify(null, message, publicKey, signature); };
  const t0 = performance.now();
  one(n);
  const singleMs = performance.now() - t0;
  const cores = availableParallelism();
  const code = `const { generateKeyPairSync, sign, verify } = require('node:crypto'); const { parentPort, workerData } = require('node:worker_threads');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519'); const m = Buffer.from('ab'.repeat(32)); const s = sign(null, m, privateKey);
    parentPort.once('message', () => { for (let i = 0; i < workerData; i++) verify(null, m, publicKey, s); parentPort.postMessage('done'); });`;
  const workers = Array.from({ length: cores }, () => new Worker(code, { eval: true, workerData: Math.ceil(n / cores) }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('online', r))));
  const t1 = performance.now();
  await Promise.all(workers.map((w) => new Promise((r) => { w.once('message', r); w.postMessage('go'); })));
  const allMs = performance.now() - t1;
  await Promise.all(workers.map((w) => w.terminate()));
  return { singlePerSecond: (n / singleMs) * 1000, allCoresPerSecond: (n / allMs) * 1000, cores };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'cs-bench-audit-'));
  const [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('cs_bench_audit')]);
  const sql = new pg.Client({ connectionString: db.url });
  try {
    await applyMigrations(db.url);
    await sql.connect();
    const pem = Ed25519Key.generate().toPem();
    const keyFile = join(dir, 'audit-signing.pem');
    await writeFile(keyFile, pem, { mode: 0o600 });
    const issuer = await DevIssuer.loadOrCreate(join(dir, 'dev-issuer'));
    const auditor = (await loadDemoIdentities(join(root, 'config', 'demo-identities.yaml'))).find((i) => i.name === 'carol');
    const ctx = { natsUrl: nats.url, databaseUrl: db.url, keyFile, issuer, auditor, eventKeys: testEventKeys() };

    console.log(`audit ingest: ${fmt(INGEST)} events published to NATS, appended by the audit service`);
    const ing = await ingest(ctx, sql);
    console.log(`  audit ${fmt(ing.auditPerSecond)} events/s · plain batched insert of the same rows ${fmt(ing.plainPerSecond)} rows/s · ratio ${(ing.auditPerSecond / ing.plainPerSecond).toFixed(2)} (goal ≥ 0.50)`);

    console.log(`filling the log to ${fmt(EVENTS)} events (same leaf, chain and signature as the service writes)`);
    const fillSeconds = await fill(sql, Ed25519Key.fromPem(pem));
    console.log(`  ${fillSeconds.toFixed(0)} s`);

    const exp = await exportLog(ctx, sql, dir);
    console.log(`audit export: ${fmt(exp.events)} events, ${mb(exp.bytes)} MB in ${(exp.exportMs / 1000).toFixed(1)} s, audit peak RSS ${mb(exp.auditPeakRss)} MB (goal < 300)`);
    console.log(`  psql \\copy of the same rows: ${mb(exp.copyBytes)} MB in ${(exp.copyMs / 1000).toFixed(1)} s · ratio ${(exp.exportMs / exp.copyMs).toFixed(2)}× (goal ≤ 2×)`);

    const ver = await verifyExport(dir, exp.file, exp.events, ctx.eventKeys.keysFile);
    const raw = await rawVerify(Math.min(exp.events, 200_000));
    console.log(`audit verify: ${ver.ok ? 'ok' : 'FAILED'} (${ver.output}) ${fmt(ver.perSecond)} events/s, peak RSS ${mb(ver.peakRss)} MB`);
    console.log(`  raw Ed25519 verify: ${fmt(raw.singlePerSecond)}/s on one core, ${fmt(raw.allCoresPerSecond)}/s on ${raw.cores} · ratio ${(ver.perSecond / raw.allCoresPerSecond).toFixed(2)} of all cores`);

    const results = { at: new Date().toISOString(), ingest: ing, fillSeconds, export: { ...exp, file: undefined }, verify: ver, rawVerify: raw };
    await writeFile(join(root, 'test', 'bench', 'audit-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await sql.end().catch(() => {});
    await Promise.all([nats.stop(), db.drop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
