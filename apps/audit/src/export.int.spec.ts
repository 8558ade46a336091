import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { createEvent, IntentClassifiedV1, IntentSubmittedV1, IntentWithdrawnV1 } from '@countersign/contracts';
import { DevIssuer } from '@countersign/platform/auth';
import {
  Ed25519Key,
  leafHash,
  merkleLeafHash,
  verifyAuditExport,
  verifyCheckpoint,
  verifyEd25519,
  verifyInclusion,
} from '@countersign/platform/crypto';
import { applyMigrations } from '@countersign/platform/db';
import { EventVerifier, parseEventKeys, ownerSigner, testEventKeys } from '@countersign/platform/event-keys';
import { createLogger } from '@countersign/platform/logging';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { createAuditApp } from './bootstrap.js';
import { AuditConfigSchema } from './config.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const logger = createLogger('audit-export-test', 'silent');
const ids = new UuidV7Generator();
const key = Ed25519Key.generate();

/**
 * The auditor's path: export the log, verify it offline with `countersign audit verify`; then tamper
 * the way an insider with superuser rights could, and check that each change is detected and named.
 */
describe('audit export, verified offline (real NATS + Postgres + the CLI)', () => {
  let nats: RunningNats;
  let db: TestDatabase;
  let app: INestApplication;
  let nc: NatsConnection;
  let sql: pg.Pool;
  let dir: string;
  let baseUrl: string;
  let auditor: string;

  beforeAll(async () => {
    [nats, db, dir] = await Promise.all([startNatsServer(), createTestDatabase('cs_audit_export'), mkdtemp(join(tmpdir(), 'cs-audit-export-'))]);
    await applyMigrations(db.url);
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
    nc = await connectNats({ url: nats.url, name: 'audit-export-test' });
    await writeFile(join(dir, 'audit.pem'), key.toPem(), { mode: 0o600 });
    await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [key.publicJwk()] }));
    const issuer = await DevIssuer.loadOrCreate(join(dir, 'dev-issuer'));
    auditor = await issuer.mint({ name: 'carol', kind: 'user', groups: ['auditors'], scopes: [] });
    const config = AuditConfigSchema.parse({
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_JWKS_FILE: issuer.jwksFile,
      AUDIT_SIGNING_KEY_FILE: join(dir, 'audit.pem'),
    });
    app = await createAuditApp(config, logger);
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    const actor = { kind: 'user' as const, id: 'alice' };
    const events = Array.from({ length: 6 }, () =>
      createEvent(IntentWithdrawnV1, { id: ids.next(), occurredAt: new Date(), intentId: ids.next(), actor, data: { reason: 'no longer needed' } }),
    );
    await new EventPublisher(nc, logger, ownerSigner()).publishAll(events);
    await expectEventually(async () => expect((await sql.query('SELECT count(*)::int AS n FROM audit.events')).rows[0].n).toBe(6));
  });

  afterAll(async () => {
    await app?.close();
    await nc?.drain();
    await sql?.end();
    await nats?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const exportLog = async () => {
    const res = await fetch(`${baseUrl}/v1/audit/export`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const pinned = () => [key.publicJwk()];

  async function cli(text: string, extra: string[] = []): Promise<{ code: number; out: string }> {
    const file = join(dir, `export-${ids.next()}.jsonl`);
    await writeFile(file, text);
    try {
      const { stdout } = await run(process.execPath, [CLI, 'audit', 'verify', file, '--jwks', join(dir, 'jwks.json'), ...extra]);
      return { code: 0, out: stdout };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: `${e.stdout}${e.stderr}` };
    }
  }

  async function asSuperuser(statement: string): Promise<void> {
    const client = await sql.connect();
    try {
      await client.query('ALTER TABLE audit.events DISABLE TRIGGER events_no_update_delete');
      await client.query(statement);
      await client.query('ALTER TABLE audit.events ENABLE TRIGGER events_no_update_delete');
    } finally {
      client.release();
    }
  }

  let clean: string;

  it('exports a log that verifies offline against the pinned key, with the CLI exiting 0', async () => {
    clean = await exportLog();
    expect(verifyAuditExport(clean, pinned())).toMatchObject({ ok: true, entries: 6, checkpoint: { size: 6 } });
    expect(await cli(clean)).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: 6 events; signed checkpoint countersign\/audit size 6/) });
    // Another key cannot vouch for it.
    expect(verifyAuditExport(clean, [Ed25519Key.generate().publicJwk()])).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    // The header carries every service's event key; pinned, each event's service signature is checked.
    expect(JSON.parse(clean.slice(0, clean.indexOf('\n'))).eventKeys).toEqual(testEventKeys().ring('audit').jwks());
    expect(await cli(clean, ['--event-keys', testEventKeys().keysFile])).toMatchObject({ code: 0, out: expect.stringMatching(/service signatures: 6 events, each signed by a service that owns its type/) });
  });

  it("names an event whose service signature was swapped, and one re-signed by a service that does not own it, though the chain holds", async () => {
    const row = async (seq: number) => (await sql.query<{ payload: object; service_signature: string }>('SELECT payload, service_signature FROM audit.events WHERE seq = $1', [seq])).rows[0]!;
    const [first, third, fifth] = [await row(1), await row(3), await row(5)];
    // Another event's genuine signature on seq 3, and policy's valid signature over seq 5's own payload.
    await asSuperuser(`UPDATE audit.events SET service_signature = '${first.service_signature}' WHERE seq = 3`);
    const byPolicy = testEventKeys().signerFor('policy').sign(fifth.payload as { type: string });
    await asSuperuser(`UPDATE audit.events SET service_signature = '${byPolicy}' WHERE seq = 5`);
    try {
      const text = await exportLog();
      // The audit chain does not cover who emitted the event: only the service signature catches this.
      expect(verifyAuditExport(text, pinned())).toMatchObject({ ok: true });
      const swapped = await cli(text, ['--event-keys', testEventKeys().keysFile]);
      expect(swapped.code).toBe(1);
      expect(swapped.out).toMatch(/does not verify: seq 3 \(event [0-9a-f-]+\): service signature: the signature of intake \(key [\w-]+\) does not verify/);
      const lines = text.trimEnd().split('\n');
      const withoutThird = [lines[0], ...lines.slice(1).map((l) => (JSON.parse(l).seq === 3 ? JSON.stringify({ ...JSON.parse(l), serviceSignature: third.service_signature }) : l))].join('\n');
      expect(await cli(withoutThird, ['--event-keys', testEventKeys().keysFile])).toMatchObject({ code: 1, out: expect.stringMatching(/seq 5 .*service signature: intent\.withdrawn may not be emitted by policy/) });
      const served = (await (await fetch(`${baseUrl}/v1/audit/verify`, { headers: { authorization: `Bearer ${auditor}` } })).json()) as { ok: boolean; seq: number; reason: string };
      expect(served).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/^service signature: /) });
    } finally {
      await asSuperuser(`UPDATE audit.events SET service_signature = '${third.service_signature}' WHERE seq = 3`);
      await asSuperuser(`UPDATE audit.events SET service_signature = '${fifth.service_signature}' WHERE seq = 5`);
    }
    expect(await cli(await exportLog(), ['--event-keys', testEventKeys().keysFile])).toMatchObject({ code: 0 });
  });

  it('names two reordered events and a truncated tail', async () => {
    const lines = clean.trimEnd().split('\n');
    const swapped = [lines[0], lines[1], lines[3], lines[2], ...lines.slice(4)].join('\n');
    expect(verifyAuditExport(swapped, pinned())).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/out of order/) });
    const truncated = lines.slice(0, -2).join('\n');
    expect(verifyAuditExport(truncated, pinned())).toMatchObject({ ok: false, reason: expect.stringMatching(/ends at seq 4 .* covers 6 events \(truncated\)/) });
    const cliRun = await cli(swapped);
    expect(cliRun.code).toBe(1);
    expect(cliRun.out).toMatch(/does not verify: seq 3 \(event [0-9a-f-]+\): seq 3 where 2 was expected/);
  });

  it('packs evidence for a period: population, events with inclusion proofs, checkpoint, report, signed manifest', async () => {
    const intentId = ids.next();
    const intent = {
      action: 'db.export',
      resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] },
      args: { table: 'orders' },
      justification: 'quarter close',
      requester: { kind: 'pipeline' as const, subject: 'ci-deployer', issuer: 'urn:test', groups: [], owner: 'alice' },
    };
    const submitted = createEvent(IntentSubmittedV1, { id: ids.next(), occurredAt: new Date(), intentId, actor: { kind: 'pipeline', id: 'ci-deployer' }, data: { intent, intentHash: 'd'.repeat(64) } });
    const classified = createEvent(IntentClassifiedV1, {
      id: ids.next(), occurredAt: new Date(), intentId, actor: { kind: 'service', id: 'policy' },
      data: { intentHash: 'd'.repeat(64), decision: 'allow', policyVersion: 'e'.repeat(64), ruleIds: ['allow-orders'], reasons: ['allow-orders: allow'], grant: { audience: 'db:prod/orders', claimTtlSeconds: 300, useTtlSeconds: 60 } },
    });
    await new EventPublisher(nc, logger, ownerSigner()).publishAll([submitted, classified]);
    await expectEventually(async () => expect((await sql.query('SELECT count(*)::int AS n FROM audit.events WHERE intent_id = $1', [intentId])).rows[0].n).toBe(2));
    const hour = 3_600_000;
    const period = `from=${new Date(Date.now() - hour).toISOString()}&to=${new Date(Date.now() + hour).toISOString()}`;
    const res = await fetch(`${baseUrl}/v1/evidence?${period}`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['checkpoint.txt', 'event-keys.json', 'events.jsonl', 'keys.json', 'manifest.json', 'manifest.sig', 'population.csv', 'report.html']);
    const text = (name: string) => Buffer.from(files[name]!).toString('utf8');
    // The manifest is signed by the audit key and names every other file by its SHA-256.
    const manifest = JSON.parse(text('manifest.json')) as { files: Array<{ name: string; sha256: string }>; checkpoint: { size: number } };
    const sig = JSON.parse(text('manifest.sig')) as { kid: string; signature: string };
    expect(sig.kid).toBe(key.kid);
    expect(verifyEd25519(key.publicJwk(), Buffer.from(files['manifest.json']!), Buffer.from(sig.signature, 'base64url'))).toBe(true);
    for (const f of manifest.files) expect(createHash('sha256').update(files[f.name]!).digest('hex')).toBe(f.sha256);
    // Every event comes with a proof that verifies against the signed checkpoint.
    const checkpoint = verifyCheckpoint(text('checkpoint.txt'), key.publicJwk(), 'countersign/audit')!;
    expect(checkpoint.size).toBe(manifest.checkpoint.size);
    const lines = text('events.jsonl').trimEnd().split('\n').map((l) => JSON.parse(l) as { payload: unknown; inclusion: { leafIndex: number; treeSize: number; proof: string[] } });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const e of lines) {
      const leaf = merkleLeafHash(Buffer.from(leafHash(e.payload), 'hex'));
      expect(verifyInclusion(leaf, e.inclusion.leafIndex, e.inclusion.treeSize, e.inclusion.proof.map((h) => Buffer.from(h, 'hex')), checkpoint.root)).toBe(true);
    }
    const csv = text('population.csv').trimEnd().split('\n');
    expect(csv[0]).toMatch(/^intentId,submittedAt,requester,/);
    expect(csv.find((l) => l.startsWith(intentId))).toMatch(/ci-deployer,pipeline,alice,db\.export,db:prod\/orders,.*allowed/);
    expect(text('report.html')).toContain('<td>allowed by policy</td><td>1</td>');
    expect(text('report.html')).toContain('<td>events refused for their signature</td><td>0</td>');
    // Each event's service signature verifies against event-keys.json from the stored payload alone.
    const eventKeys = new EventVerifier(parseEventKeys(JSON.parse(text('event-keys.json'))));
    for (const e of text('events.jsonl').trimEnd().split('\n').map((l) => JSON.parse(l) as { payload: { type: string }; serviceSignature: string })) {
      expect(eventKeys.verifyView(e.payload.type, e.payload, e.serviceSignature)).toMatchObject({ ok: true });
    }
    // Withheld at recording time: the evidence never carries the submitted arguments either.
    expect(text('events.jsonl')).not.toContain('quarter close');
    expect((await fetch(`${baseUrl}/v1/evidence?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, { headers: { authorization: `Bearer ${auditor}` } })).status).toBe(400);
    // The same figures as JSON for a screen, from the same population.
    const summary = (await (await fetch(`${baseUrl}/v1/evidence/summary?${period}`, { headers: { authorization: `Bearer ${auditor}` } })).json()) as { figures: Array<[string, number]>; events: number };
    expect(summary.figures).toContainEqual(['allowed by policy', 1]);
    expect(summary.events).toBe(lines.length);
    expect((await fetch(`${baseUrl}/v1/evidence/summary?from=nope&to=2026-01-01T00:00:00Z`, { headers: { authorization: `Bearer ${auditor}` } })).status).toBe(400);
    expect((await fetch(`${baseUrl}/v1/evidence/summary?${period}`)).status).toBe(401);

    // The auditor's commands: download, verify offline; an edited population is caught.
    const zipFile = join(dir, 'evidence.zip');
    const from = new Date(Date.now() - hour).toISOString();
    const to = new Date(Date.now() + hour).toISOString();
    await run(process.execPath, [CLI, 'evidence', 'export', '--url', baseUrl, '--from', from, '--to', to, '--out', zipFile], { env: { ...process.env, COUNTERSIGN_TOKEN: auditor } });
    const verified = await run(process.execPath, [CLI, 'evidence', 'verify', zipFile, '--jwks', join(dir, 'jwks.json')]);
    expect(verified.stdout).toMatch(/^ok: \d+ intents, \d+ events proven in the signed tree of size \d+/);
    expect(verified.stdout).toMatch(/service signatures: \d+ events, each signed by a service that owns its type/);
    // What the audit key alone cannot do: pass off an event as policy's. Re-signing the manifest with the
    // audit key (as a compromised audit service could) keeps the package consistent, but intake's
    // signature on the classified event is caught.
    const forged = unzipSync(new Uint8Array(await readFile(zipFile)));
    const inZip = (name: string) => Buffer.from(forged[name]!).toString('utf8');
    const intakeSig = JSON.parse(inZip('events.jsonl').split('\n').find((l) => l.includes('"intent.submitted"'))!).serviceSignature as string;
    forged['events.jsonl'] = Buffer.from(
      inZip('events.jsonl').split('\n').map((l) => (l.includes('"intent.classified"') ? JSON.stringify({ ...JSON.parse(l), serviceSignature: intakeSig }) : l)).join('\n'),
    );
    const reManifest = JSON.parse(inZip('manifest.json')) as { files: Array<{ name: string; sha256: string; bytes: number }> };
    for (const f of reManifest.files) if (f.name === 'events.jsonl') Object.assign(f, { sha256: createHash('sha256').update(forged['events.jsonl']).digest('hex'), bytes: forged['events.jsonl'].length });
    forged['manifest.json'] = Buffer.from(JSON.stringify(reManifest, null, 2));
    forged['manifest.sig'] = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: key.kid, signature: key.sign(forged['manifest.json']).toString('base64url') }));
    const forgedZip = join(dir, 'forged.zip');
    await writeFile(forgedZip, zipSync(forged));
    const caught = await run(process.execPath, [CLI, 'evidence', 'verify', forgedZip, '--jwks', join(dir, 'jwks.json'), '--event-keys', testEventKeys().keysFile]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(caught).toMatchObject({ code: 1, stderr: expect.stringMatching(/service signature: intent\.classified may not be emitted by intake/) });
    const edited = unzipSync(new Uint8Array(await readFile(zipFile)));
    edited['population.csv'] = Buffer.from(text('population.csv').replace('ci-deployer', 'someone-else'));
    await writeFile(zipFile, zipSync(edited));
    const refused = await run(process.execPath, [CLI, 'evidence', 'verify', zipFile, '--jwks', join(dir, 'jwks.json')]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/population\.csv does not match its SHA-256/) });
  });

  it('names a row edited as superuser, then a row deleted as superuser', async () => {
    await asSuperuser(`UPDATE audit.events SET payload = jsonb_set(payload, '{data,reason}', '"edited"') WHERE seq = 2`);
    expect(verifyAuditExport(await exportLog(), pinned())).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/payload altered/) });
    await asSuperuser(`UPDATE audit.events SET payload = jsonb_set(payload, '{data,reason}', '"no longer needed"') WHERE seq = 2`);
    expect(verifyAuditExport(await exportLog(), pinned())).toMatchObject({ ok: true });
    await asSuperuser('DELETE FROM audit.events WHERE seq = 4');
    expect(verifyAuditExport(await exportLog(), pinned())).toMatchObject({ ok: false, seq: 5, reason: expect.stringMatching(/seq 5 where 4 was expected/) });
  });
});
