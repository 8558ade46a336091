#!/usr/bin/env node
// npm run bench:signatures: what a service signature costs per event, at publish (sign) and at each
// consumer (verify), against raw node:crypto Ed25519 over the same canonical bytes in the same run.
// The gap between the two is the envelope work: the signed view, RFC 8785, base64url, the JWS header,
// and the owner check. Figures go to stdout and test/bench/signatures-results.json.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createEvent, IntentClassifiedV1, IntentSubmittedV1, SERVICE_NAMES } from '../../libs/contracts/dist/index.js';
import { Ed25519Key } from '../../libs/platform/dist/crypto/index.js';
import { EventKeyRing, signingBytes } from '../../libs/platform/dist/event-keys/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20_000);
const WARMUP = 2_000;

const keys = new Map(SERVICE_NAMES.map((s) => [s, Ed25519Key.generate()]));
const publicKeys = SERVICE_NAMES.map((service) => ({ service, jwk: { ...keys.get(service).publicJwk(), kid: keys.get(service).kid } }));
const ring = (s) => EventKeyRing.create(s, keys.get(s), publicKeys);

const uuid = (n) => `0190f5a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const envelope = (n) => ({ id: uuid(n), occurredAt: new Date(), intentId: uuid(n + 1), actor: { kind: 'service', id: 'bench' } });
const intent = {
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii', 'finance'] },
  args: { table: 'customers', query: 'select email, country from customers where created_at > now() - interval 1 day', rows: 1200 },
  justification: 'weekly churn report for the finance team',
  requester: { kind: 'agent', subject: 'report-bot', issuer: 'urn:bench', groups: ['agents'], owner: 'alice' },
};
// The two shapes that matter: intent.submitted (digest of the withheld fields) and a ~1 KB decision.
const cases = [
  { name: 'intent.submitted', owner: 'intake', events: (n) => createEvent(IntentSubmittedV1, { ...envelope(n), data: { intent, intentHash: 'a'.repeat(64) } }) },
  {
    name: 'intent.classified',
    owner: 'policy',
    events: (n) =>
      createEvent(IntentClassifiedV1, {
        ...envelope(n),
        data: {
          intentHash: 'a'.repeat(64),
          decision: 'review',
          policyVersion: 'b'.repeat(64),
          ruleIds: ['export-pii-needs-two'],
          reasons: ['export-pii-needs-two: exports of personal data need security and data owners'],
          tags: ['finance', 'pii'],
          review: { approverGroups: ['security', 'data'], quorum: 2, ttlSeconds: 3600, escalation: [], stepUp: false, breakGlass: false },
          reviewId: uuid(n + 2),
          masked: { intent, values: [{ path: 'args.query', reason: 'path:args.query' }] },
        },
      }),
  },
];

function time(n, fn) {
  for (let i = 0; i < Math.min(WARMUP, n); i++) fn(i);
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t) / 1_000;
  }
  samples.sort();
  const q = (p) => samples[Math.min(n - 1, Math.floor(p * n))];
  return { p50: q(0.5), p99: q(0.99), mean: samples.reduce((a, b) => a + b, 0) / n };
}

const round = (x) => Math.round(x * 10) / 10;
const results = [];
for (const c of cases) {
  const events = Array.from({ length: SAMPLES }, (_, i) => c.events(i * 3));
  const signer = ring(c.owner).signer;
  const verifier = ring('audit').verifier;
  const signed = events.map((e) => ({ ...e, signature: signer.sign(e) }));
  for (const e of signed) if (!verifier.verifyEvent(e).ok) throw new Error('a signed event does not verify');
  // Raw baseline: Ed25519 alone over the same canonical bytes (node:crypto, key objects imported once).
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const bytes = events.map((e) => signingBytes(e));
  const rawSigs = bytes.map((b) => sign(null, b, privateKey));
  const r = {
    event: c.name,
    bytes: bytes[0].length,
    sign: time(SAMPLES, (i) => signer.sign(events[i])),
    verify: time(SAMPLES, (i) => verifier.verifyEvent(signed[i])),
    rawSign: time(SAMPLES, (i) => sign(null, bytes[i], privateKey)),
    rawVerify: time(SAMPLES, (i) => verify(null, bytes[i], publicKey, rawSigs[i])),
  };
  results.push({
    ...r,
    signRatio: round(r.sign.p50 / r.rawSign.p50),
    verifyRatio: round(r.verify.p50 / r.rawVerify.p50),
  });
}

console.log(`event signatures, µs per event (${SAMPLES} events each; raw = node:crypto Ed25519 over the same canonical bytes)`);
console.log('event              bytes  sign p50/p99   raw sign p50  ratio   verify p50/p99  raw verify p50  ratio');
for (const r of results) {
  console.log(
    `${r.event.padEnd(18)} ${String(r.bytes).padStart(5)}  ${`${round(r.sign.p50)} / ${round(r.sign.p99)}`.padEnd(13)} ${String(round(r.rawSign.p50)).padStart(12)}  ${String(r.signRatio).padStart(5)}   ${`${round(r.verify.p50)} / ${round(r.verify.p99)}`.padEnd(15)} ${String(round(r.rawVerify.p50)).padStart(14)}  ${String(r.verifyRatio).padStart(5)}`,
  );
}
await writeFile(`${root}test/bench/signatures-results.json`, `${JSON.stringify({ at: new Date().toISOString(), samples: SAMPLES, results }, null, 2)}\n`);
