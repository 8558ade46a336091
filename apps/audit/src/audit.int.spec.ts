import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  GrantRevokedV1,
  IntentRejectedV1,
  IntentWithdrawnV1,
  IntentSubmittedV1,
  MessageRejectedV1,
  STREAM_NAME,
  type CountersignEvent,
} from '@countersign/contracts';
import { DevIssuer } from '@countersign/platform/auth';
import {
  Ed25519Key,
  leafHash,
  merkleLeafHash,
  verifyChain,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type ChainEntry,
} from '@countersign/platform/crypto';
import { applyMigrations } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { connectNats, EventPublisher, type NatsConnection } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { createTestDatabase, expectEventually, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { ownerSigner, testEventKeys } from '@countersign/platform/event-keys';
import { createAuditApp } from './bootstrap.js';
import { AuditConfigSchema } from './config.js';
import { AUDIT_COLUMNS, toChainEntry, type AuditRow } from './reading/audit-rows.js';
import type { ListEventsResult } from './reading/list-events/list-events.use-case.js';
import { RecordEvents } from './recording/record-events/record-events.use-case.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

const logger = createLogger('audit-test', 'silent');
const ids = new UuidV7Generator();
const key = Ed25519Key.generate();
const keys = new Map([[key.kid, key.publicJwk()]]);

describe('audit service (real NATS + Postgres)', () => {
  let nats: RunningNats;
  let db: TestDatabase;
  let app: INestApplication;
  let nc: NatsConnection;
  let sql: pg.Pool;
  let dir: string;
  let baseUrl: string;
  let tokens: Record<'auditor' | 'reader' | 'nobody', string>;

  beforeAll(async () => {
    [nats, db, dir] = await Promise.all([startNatsServer(), createTestDatabase('cs_audit'), mkdtemp(join(tmpdir(), 'cs-audit-'))]);
    await applyMigrations(db.url);
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
    nc = await connectNats({ url: nats.url, name: 'audit-test' });
    await writeFile(join(dir, 'audit.pem'), key.toPem(), { mode: 0o600 });
    const issuer = await DevIssuer.loadOrCreate(join(dir, 'dev-issuer'));
    tokens = {
      auditor: await issuer.mint({ name: 'carol', kind: 'user', groups: ['auditors'], scopes: [] }),
      reader: await issuer.mint({ name: 'export-job', kind: 'service', groups: [], scopes: ['audit:read'] }),
      nobody: await issuer.mint({ name: 'mallory', kind: 'user', groups: ['security'], scopes: ['intents:write'] }),
    };
    const config = AuditConfigSchema.parse({
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_JWKS_FILE: issuer.jwksFile,
      AUDIT_SIGNING_KEY_FILE: join(dir, 'audit.pem'),
    });
    // A short backoff so the never-give-up test runs past the default delivery limit quickly.
    app = await createAuditApp(config, logger, { backoffMs: [20] });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await nc?.drain();
    await sql?.end();
    await nats?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const actor = { kind: 'user' as const, id: 'alice' };
  const intentHash = 'a'.repeat(64);
  const events = {
    withdrawn: () => createEvent(IntentWithdrawnV1, { id: ids.next(), occurredAt: new Date(), intentId: ids.next(), actor, data: {} }),
    rejected: () =>
      createEvent(IntentRejectedV1, { id: ids.next(), occurredAt: new Date(), intentId: ids.next(), actor, data: { reviewId: ids.next(), intentHash } }),
    revoked: () =>
      createEvent(GrantRevokedV1, {
        id: ids.next(),
        occurredAt: new Date(),
        intentId: ids.next(),
        actor,
        data: { grantId: ids.next(), jti: ids.next(), intentHash, reason: 'incident' },
      }),
  };

  async function storedRows(): Promise<AuditRow[]> {
    return (await sql.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit.events ORDER BY seq`)).rows;
  }
  const chainOf = async (): Promise<ChainEntry[]> => (await storedRows()).map(toChainEntry);
  const get = (path: string, token?: string) =>
    fetch(`${baseUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('stores events from several subjects once each, in a chain that verifies', async () => {
    const published: CountersignEvent[] = [events.withdrawn(), events.rejected(), events.revoked(), events.withdrawn()];
    await new EventPublisher(nc, logger, ownerSigner()).publishAll(published);
    const rows = await expectEventually(async () => {
      const r = await storedRows();
      expect(r.map((x) => x.event_id).sort()).toEqual(published.map((e) => e.id).sort());
      return r;
    });
    expect(new Set(rows.map((r) => r.subject))).toEqual(new Set([IntentWithdrawnV1.subject, IntentRejectedV1.subject, GrantRevokedV1.subject]));
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect(rows.every((r) => r.kid === key.kid)).toBe(true);
    expect(verifyChain(await chainOf(), keys)).toMatchObject({ ok: true, count: 4 });
  });

  it('stores intent.submitted without its arguments and justification, keeping the intent hash', async () => {
    const intent = {
      action: 'db.export',
      resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] },
      args: { auth: { password: 'correct horse battery staple' } },
      justification: 'mail jane.doe@example.com',
      requester: { kind: 'pipeline' as const, subject: 'ci', issuer: 'urn:test', groups: [] },
    };
    const submitted = createEvent(IntentSubmittedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: 'pipeline', id: 'ci' },
      data: { intent, intentHash: 'b'.repeat(64) },
    });
    await new EventPublisher(nc, logger, ownerSigner()).publish(submitted);
    const row = await expectEventually(async () => {
      const r = (await storedRows()).find((x) => x.event_id === submitted.id);
      expect(r).toBeDefined();
      return r!;
    });
    const stored = JSON.stringify(row.payload);
    expect(stored).not.toContain('correct horse battery staple');
    expect(stored).not.toContain('jane.doe@example.com');
    expect(row.payload).toMatchObject({ withheld: { fields: ['data.intent.args', 'data.intent.justification'] }, data: { intentHash: 'b'.repeat(64), intent: { action: 'db.export' } } });
    expect(verifyChain(await chainOf(), keys)).toMatchObject({ ok: true });
    // Intake's signature covers the withheld content by its digest, so it verifies from the stored row.
    expect(row.service_kid).toBe(testEventKeys().ring('intake').kid);
    expect(testEventKeys().ring('audit').verifier.verifyView(row.type, row.payload, row.service_signature)).toMatchObject({ ok: true, service: 'intake' });
  });

  it('a redelivered or twice-published event is not stored twice and does not fork the chain', async () => {
    const before = (await storedRows()).length;
    const again = events.rejected();
    await new EventPublisher(nc, logger, ownerSigner()).publish(again);
    await expectEventually(async () => expect((await storedRows()).some((r) => r.event_id === again.id)).toBe(true));
    // Past JetStream's dedup window, a second stream message with the same event id.
    await jetstream(nc).publish(IntentRejectedV1.subject, JSON.stringify({ ...again, signature: ownerSigner().sign(again) }), { msgID: `${again.id}-again` });

    // A batch handled again after its commit (the ack was lost), racing a second audit copy with new events.
    const record = app.get(RecordEvents);
    const old = (await storedRows()).slice(0, 3).map((r) => ({ event: r.payload as CountersignEvent, delivery: { subject: r.subject, streamSequence: Number(r.seq) } }));
    const fresh = Array.from({ length: 12 }, (_, i) => {
      const event = i % 2 ? events.withdrawn() : events.revoked();
      // As the transport hands it over: the signature verified and moved to the delivery.
      const check = testEventKeys().ring('audit').verifier.verifyEvent({ ...event, signature: ownerSigner().sign(event) });
      if (!check.ok) throw new Error(check.reason);
      const signature = { jws: ownerSigner().sign(event), kid: check.kid, service: check.service };
      return { event, delivery: { subject: `countersign.${event.type}.v1`, streamSequence: 1_000 + i, signature } };
    });
    // Many writers at once (as several audit copies would be), each with the replayed batch and one new
    // event: without the chain lock they extend the same head and fail on the seq key; with it all
    // commit one after the other.
    const results = await Promise.all([record.execute(old), ...fresh.map((f) => record.execute([...old, f]))]);
    expect(results.map((r) => r.appended).sort()).toEqual([0, ...fresh.map(() => 1)]);

    const jsm = await jetstreamManager(nc);
    await expectEventually(async () => {
      const consumer = await jsm.consumers.info(STREAM_NAME, 'audit');
      expect(consumer.num_pending + consumer.num_ack_pending).toBe(0);
      const res = await get('/v1/audit/verify', tokens.auditor);
      expect(res.status).toBe(200);
      // The earlier tests' rows, `again` once, and one row per fresh event.
      expect(await res.json()).toMatchObject({ ok: true, count: before + 1 + fresh.length });
    });
    const rows = await storedRows();
    expect(rows.filter((r) => r.event_id === again.id)).toHaveLength(1);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    expect(verifyChain(await chainOf(), keys)).toMatchObject({ ok: true, count: before + 1 + fresh.length });
  });

  it('terminates malformed messages, records their rejection and keeps going', async () => {
    const js = jetstream(nc);
    await js.publish(IntentSubmittedV1.subject, 'not json at all', { msgID: ids.next() });
    await js.publish(IntentWithdrawnV1.subject, JSON.stringify({ id: 'nope', type: 'intent.withdrawn' }), { msgID: ids.next() });
    const after = events.revoked();
    await new EventPublisher(nc, logger, ownerSigner()).publish(after);
    await expectEventually(async () => {
      const rows = await storedRows();
      expect(rows.some((r) => r.event_id === after.id)).toBe(true);
      // The refusals are themselves events, published by the audit consumer and audited like any other.
      const rejections = rows.filter((r) => r.type === MessageRejectedV1.type && (r.payload as { data: { consumer: string } }).data.consumer === 'audit');
      expect(rejections.map((r) => (r.payload as { data: { subject: string } }).data.subject).sort()).toEqual(
        [IntentSubmittedV1.subject, IntentWithdrawnV1.subject].sort(),
      );
    });
    expect(verifyChain(await chainOf(), keys).ok).toBe(true);
  });

  it('terminates and reports a message on a subject no contract names (the consumer takes all of countersign.>)', async () => {
    const unknownSubject = IntentSubmittedV1.subject.replace(/\.v1$/, '.v9');
    await jetstream(nc).publish(unknownSubject, JSON.stringify(events.withdrawn()), { msgID: ids.next() });
    await expectEventually(async () => {
      const rejection = (await storedRows()).find(
        (r) => r.type === MessageRejectedV1.type && (r.payload as { data: { subject: string } }).data.subject === unknownSubject,
      );
      expect((rejection?.payload as { data: { consumer: string; reason: string } } | undefined)?.data).toMatchObject({
        consumer: 'audit',
        reason: expect.stringMatching(/unknown subject/),
      });
    });
  });

  it('never gives up on a failing batch: it is retried past the default delivery limit, then stored', async () => {
    const record = app.get(RecordEvents);
    const original = record.execute.bind(record);
    const target = events.revoked();
    let failures = 0;
    record.execute = async (items) => {
      if (items.some((i) => i.event.id === target.id) && failures < 12) {
        failures += 1;
        throw new Error('postgres is away');
      }
      return original(items);
    };
    try {
      await new EventPublisher(nc, logger, ownerSigner()).publish(target);
      await expectEventually(async () => expect((await storedRows()).some((r) => r.event_id === target.id)).toBe(true), { timeoutMs: 20_000 });
    } finally {
      record.execute = original;
    }
    expect(failures).toBe(12);
    const gaveUp = (await storedRows()).filter(
      (r) => r.type === MessageRejectedV1.type && /gave up/.test((r.payload as { data: { reason: string } }).data.reason),
    );
    expect(gaveUp).toEqual([]);
    expect(verifyChain(await chainOf(), keys).ok).toBe(true);
  });

  it('refuses UPDATE and DELETE of stored rows, even for the owner the app connects as', async () => {
    await expect(sql.query(`UPDATE audit.events SET payload = '{}'::jsonb WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(sql.query('DELETE FROM audit.events WHERE seq = 1')).rejects.toThrow(/append-only/);
    expect(verifyChain(await chainOf(), keys).ok).toBe(true);
  });

  it('serves events to auditors and readers only, page by page', async () => {
    expect((await get('/v1/audit/events')).status).toBe(401);
    expect((await get('/v1/audit/events')).headers.get('www-authenticate')).toMatch(/^Bearer/);
    const forbidden = await get('/v1/audit/events', tokens.nobody);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 'AUDITOR_REQUIRED' } });
    expect((await get('/v1/audit/verify', tokens.nobody)).status).toBe(403);
    const bad = await get('/v1/audit/events?limit=0&intentId=x', tokens.auditor);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path).sort()).toEqual(['intentId', 'limit']);

    const page1 = (await (await get('/v1/audit/events?limit=2', tokens.reader)).json()) as ListEventsResult;
    expect(page1.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(page1.nextAfterSeq).toBe(2);
    expect(Object.keys(page1.events[0]!).sort()).toEqual(
      ['entryHash', 'eventId', 'intentId', 'kid', 'leafHash', 'occurredAt', 'payload', 'prevHash', 'recordedAt', 'seq', 'serviceKid', 'serviceSignature', 'signature', 'subject', 'traceId', 'type'].sort(),
    );
    const page2 = (await (await get(`/v1/audit/events?limit=2&afterSeq=${page1.nextAfterSeq}`, tokens.reader)).json()) as ListEventsResult;
    expect(page2.events[0]!.seq).toBe(3);
    expect(page2.events[0]!.prevHash).toBe(page1.events[1]!.entryHash);

    const [one] = await storedRows();
    const byIntent = (await (await get(`/v1/audit/events?intentId=${one!.intent_id}`, tokens.auditor)).json()) as ListEventsResult;
    expect(byIntent.events.map((e) => e.eventId)).toEqual([one!.event_id]);
  });

  it('records the trace id an event travelled with (its traceparent header), and none when it carried none', async () => {
    const traced = events.rejected();
    const plain = events.withdrawn();
    const traceId = randomBytes(16).toString('hex');
    const h = natsHeaders();
    h.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    const js = jetstream(nc);
    await js.publish(IntentRejectedV1.subject, JSON.stringify({ ...traced, signature: ownerSigner().sign(traced) }), { msgID: traced.id, headers: h });
    await js.publish(IntentWithdrawnV1.subject, JSON.stringify({ ...plain, signature: ownerSigner().sign(plain) }), { msgID: plain.id });
    const traceOf = async (intentId: string | null) => {
      const page = (await (await get(`/v1/audit/events?intentId=${intentId}`, tokens.auditor)).json()) as ListEventsResult;
      return page.events.map((e) => e.traceId);
    };
    await expectEventually(async () => {
      expect(await traceOf(traced.intentId)).toEqual([traceId]);
      expect(await traceOf(plain.intentId)).toEqual([null]);
    });
  });

  it('publishes the signing key as a JWKS', async () => {
    const res = await get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [key.publicJwk()] });
  });

  it('signs checkpoints and serves inclusion and consistency proofs that verify offline', async () => {
    const post = (token: string) => fetch(`${baseUrl}/v1/audit/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const first = (await (await post(tokens.auditor)).json()) as { treeSize: number; note: string; rootHash: string };
    const signed = verifyCheckpoint(first.note, key.publicJwk(), 'countersign/audit');
    expect(signed).toMatchObject({ size: first.treeSize });
    expect(signed!.root.toString('hex')).toBe(first.rootHash);

    await new EventPublisher(nc, logger, ownerSigner()).publishAll([events.withdrawn(), events.revoked()]);
    await expectEventually(async () => expect((await storedRows()).length).toBe(first.treeSize + 2));
    const second = (await (await post(tokens.auditor)).json()) as { treeSize: number; note: string };
    expect(second.treeSize).toBe(first.treeSize + 2);
    const newer = verifyCheckpoint(second.note, key.publicJwk(), 'countersign/audit')!;

    // Inclusion: the auditor recomputes the leaf from the stored event itself, not from our leaf_hash column.
    const rows = await storedRows();
    const target = rows[rows.length - 2]!;
    const inclusion = (await (await get(`/v1/audit/proofs/inclusion?seq=${target.seq}`, tokens.auditor)).json()) as { leafIndex: number; treeSize: number; proof: string[] };
    const leaf = merkleLeafHash(Buffer.from(leafHash(target.payload), 'hex'));
    const proof = inclusion.proof.map((h) => Buffer.from(h, 'hex'));
    expect(verifyInclusion(leaf, inclusion.leafIndex, inclusion.treeSize, proof, newer.root)).toBe(true);
    expect(verifyInclusion(merkleLeafHash(Buffer.from('forged')), inclusion.leafIndex, inclusion.treeSize, proof, newer.root)).toBe(false);

    const consistency = (await (await get(`/v1/audit/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`, tokens.auditor)).json()) as { proof: string[] };
    expect(verifyConsistency(first.treeSize, second.treeSize, consistency.proof.map((h) => Buffer.from(h, 'hex')), signed!.root, newer.root)).toBe(true);
    expect((await get('/v1/audit/proofs/inclusion?seq=0', tokens.auditor)).status).toBe(400);
    expect((await get(`/v1/audit/proofs/consistency?from=${first.treeSize + 1}`, tokens.auditor)).status).toBe(404);
    expect((await post(tokens.nobody)).status).toBe(403);
  });

  it('never stores an event forged by a non-owner or sent unsigned; records system.signature_rejected instead', async () => {
    // Notifier's genuine key on a broker event (a compromised notifier forging a grant), and a bare publish.
    const forged = events.revoked();
    await new EventPublisher(nc, logger, testEventKeys().signerFor('notifier')).publish(forged);
    const unsigned = events.withdrawn();
    await jetstream(nc).publish(IntentWithdrawnV1.subject, JSON.stringify(unsigned), { msgID: unsigned.id });
    const genuine = events.revoked();
    await new EventPublisher(nc, logger, ownerSigner()).publish(genuine);
    const rejected = await expectEventually(async () => {
      const rows = await storedRows();
      expect(rows.some((r) => r.event_id === genuine.id)).toBe(true);
      const reports = rows.filter((r) => r.type === 'system.signature_rejected');
      const of = (id: string) => reports.find((r) => (r.payload as { data: { originalEventId?: string } }).data.originalEventId === id);
      expect(of(forged.id)).toBeDefined();
      expect(of(unsigned.id)).toBeDefined();
      return { forged: of(forged.id)!, unsigned: of(unsigned.id)! };
    });
    const rows = await storedRows();
    expect(rows.some((r) => r.event_id === forged.id || r.event_id === unsigned.id)).toBe(false);
    expect(rejected.forged.payload).toMatchObject({
      intentId: forged.intentId,
      data: { eventType: 'grant.revoked', consumer: 'audit', signer: 'notifier', kid: testEventKeys().ring('notifier').kid, reason: expect.stringMatching(/grant\.revoked may not be emitted by notifier/) },
    });
    expect(rejected.unsigned.payload).toMatchObject({ data: { eventType: 'intent.withdrawn', reason: 'the event carries no service signature' } });
    // The rejection is audit's own event, signed by audit, and the whole table still verifies.
    expect(rejected.forged.service_kid).toBe(testEventKeys().ring('audit').kid);
    expect(await (await get('/v1/audit/verify', tokens.auditor)).json()).toMatchObject({ ok: true });
  });

  it('refuses to sign a checkpoint that contradicts the last one after a row was rewritten as superuser', async () => {
    const post = () => fetch(`${baseUrl}/v1/audit/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${tokens.auditor}` } });
    expect((await post()).status).toBe(200);
    const client = await sql.connect();
    try {
      await client.query('ALTER TABLE audit.events DISABLE TRIGGER events_no_update_delete');
      await client.query(`UPDATE audit.events SET leaf_hash = repeat('0', 64) WHERE seq = 1`);
      await client.query('ALTER TABLE audit.events ENABLE TRIGGER events_no_update_delete');
    } finally {
      client.release();
    }
    await new EventPublisher(nc, logger, ownerSigner()).publish(events.withdrawn());
    await expectEventually(async () => {
      const res = await post();
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { code: 'LOG_INCONSISTENT' } });
    });
  });
});
