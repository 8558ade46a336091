#!/usr/bin/env node
// npm run bench (first part): what one classification costs with 10, 100 and 1,000 rules.
// Baseline, measured in the same run on the same intents: intentHash (RFC 8785 canonical JSON +
// SHA-256), which every intent pays anyway at intake and at policy. Goal (issue 3): p50 < 50 µs at 100 rules.
// Rules are compiled (globs, CEL) once per policy version; only evaluation is timed here.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { classify, compilePolicy, evaluateRules, hmacTokenizer, intentHash, PolicyDocument } from '../../libs/domain/dist/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SIZES = (process.env.BENCH_RULES ?? '10,100,1000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20_000);

// A deterministic generator, so that two runs time the same policies and intents.
let seed = 42;
const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const DOMAINS = ['db', 'iam', 'k8s', 'kms', 's3', 'compute', 'deploy', 'secrets', 'logs', 'metrics'];
const VERBS = ['query', 'export', 'rotate', 'create', 'delete', 'grant', 'copy', 'read', 'describe', 'escalate'];
const ENVS = ['dev', 'staging', 'prod'];

function rule(i) {
  const match = { action: [`${pick(DOMAINS)}.${pick([...VERBS, '*'])}`] };
  if (rand() < 0.6) match.env = [pick(ENVS)];
  if (rand() < 0.2) match.tags = ['pii'];
  if (rand() < 0.1) match.requesterKind = ['agent'];
  const base = { id: `rule-${i}`, match };
  // One rule in ten carries a CEL condition: the expensive kind, but only evaluated when the match holds.
  if (rand() < 0.1) base.when = "has(intent.args.rows) && intent.args.rows > 1000 && resource.env == 'prod'";
  if (rand() < 0.1) base.mask = ['args.query'];
  const kind = rand();
  if (kind < 0.4) return { ...base, effect: 'allow' };
  if (kind < 0.6) return { ...base, effect: 'deny', reason: 'generated' };
  return { ...base, effect: 'review', approvers: [pick(['security', 'platform', 'data'])], ttl: '1h' };
}

function policyOf(n) {
  const doc = PolicyDocument.parse({
    apiVersion: 'countersign.dev/v1',
    kind: 'Policy',
    classify: [{ resource: 'db:prod/customers*', tags: ['pii'] }, { resource: 's3:*/training-*', tags: ['training-data'] }],
    masking: { paths: ['args.**.password', 'args.connectionString'] },
    rules: Array.from({ length: n }, (_, i) => rule(i)),
  });
  return compilePolicy(doc, 'b'.repeat(64));
}

function intentOf(i) {
  const domain = pick(DOMAINS);
  return {
    action: `${domain}.${pick(VERBS)}`,
    resource: { kind: domain, id: pick(['customers', 'orders', `training-${i % 7}`, 'payments']), env: pick(ENVS), tags: [] },
    args: {
      table: 'orders',
      rows: Math.floor(rand() * 5000),
      query: `select id, total from orders where id = ${i}`,
      auth: { password: 'not-a-real-password' },
      note: 'ticket OPS-1234, see https://wiki.example.com/runbook',
    },
    justification: 'nightly reconciliation of order totals for the finance dashboard, requested by the data team',
    requester: { kind: pick(['pipeline', 'agent', 'user']), subject: 'ci', issuer: 'urn:bench', groups: ['pipelines'] },
  };
}

function measure(fn, intents) {
  for (let i = 0; i < 2_000; i += 1) fn(intents[i % intents.length]);
  const times = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i += 1) {
    const intent = intents[i % intents.length];
    const t0 = process.hrtime.bigint();
    fn(intent);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort();
  const at = (p) => +times[Math.min(SAMPLES - 1, Math.floor(p * SAMPLES))].toFixed(2);
  return { p50: at(0.5), p99: at(0.99) };
}

const ctx = { now: new Date(), tokenize: hmacTokenizer('bench-masking-key-0123456789abcdef') };
const intents = Array.from({ length: 1_000 }, (_, i) => intentOf(i));
const results = { samples: SAMPLES, unit: 'µs per intent', sizes: [] };
console.log(`policy evaluation, ${SAMPLES} intents per figure (µs per intent; baseline = intentHash of the same intent)`);
console.log('rules  classify p50/p99   rules only p50/p99   baseline p50/p99   classify÷baseline (p50)');
for (const n of SIZES) {
  const policy = policyOf(n);
  const baseline = measure((i) => intentHash(i), intents);
  const rulesOnly = measure((i) => evaluateRules(policy, i, ctx.now), intents);
  const full = measure((i) => classify(policy, i, ctx), intents);
  const ratio = +(full.p50 / baseline.p50).toFixed(2);
  results.sizes.push({ rules: n, classify: full, rulesOnly, baseline, ratioP50: ratio });
  console.log(
    `${String(n).padStart(5)}  ${`${full.p50}/${full.p99}`.padEnd(18)} ${`${rulesOnly.p50}/${rulesOnly.p99}`.padEnd(20)} ${`${baseline.p50}/${baseline.p99}`.padEnd(18)} ${ratio}`,
  );
}
// Catastrophic backtracking guard: the worst of several pathological 8 KB strings through the detectors
// (masking scans every string of args). Reported, not asserted: figures belong in benchmarks.
const fill = (unit) => unit.repeat(Math.ceil(8192 / unit.length)).slice(0, 8192);

const ADVERSARIAL = {
  letters: fill('a'),
  digits: fill('1'),
  'spaced digits': fill('1 '),
  'digit groups': fill('4111 '),
  'dashed groups': fill('1234-'),
  'at signs': fill('a@'),
  'dotted labels': fill('a.'),
  'e-mail without TLD': fill('a@' + 'b.'.repeat(100)),
  schemes: fill('a://'),
  'url users': fill('a://b:'),
  'long url users': fill('ab://' + 'c'.repeat(60) + ':'),
  'slashes and colons': fill('//a:'),
  colons: fill('a:'),
  'password keys': fill('password='),
  'quoted passwords': fill('password:"\\'),
  'escaped quotes': fill('password:\\"\\\\'),
  'JWT headers': fill('eyJaaaa.'),
  eyJ: fill('eyJ'),
  'PEM begins': fill('-----BEGIN PRIVATE KEY-----'),
  'PEM words': fill('-----BEGIN A A A A A A '),
  bearers: fill('Bearer '),
  'authorization headers': fill('authorization: basic '),
  'AWS prefixes': fill('AKIA'),
  'AWS secret names': fill('aws_secret_access_key='),
  dashes: fill('-'),
  mixed: fill('x://u:p@h.io a@b.co 4111 1111 1111 1111 password=x '),
};

const adversarialPolicy = policyOf(10);
let worst = { name: '', ms: 0 };
for (const [name, text] of Object.entries(ADVERSARIAL)) {
  const intent = { ...intents[0], args: { text }, justification: 'adversarial' };
  const started = performance.now();
  classify(adversarialPolicy, intent, ctx);
  const ms = performance.now() - started;
  if (ms > worst.ms) worst = { name, ms: +ms.toFixed(2) };
}
results.adversarial = { strings: Object.keys(ADVERSARIAL).length, bytes: 8192, worst };
console.log(`adversarial 8 KB argument strings (${Object.keys(ADVERSARIAL).length} kinds): worst ${worst.ms} ms (${worst.name})`);
await writeFile(`${root}test/bench/policy-results.json`, JSON.stringify(results, null, 2) + '\n');
