import {
  createEvent,
  GrantIssuedV1,
  GrantRevokedV1,
  IntentApprovedV1,
  IntentClassifiedV1,
  IntentExpiredV1,
  IntentRejectedV1,
  IntentWithdrawnV1,
  SignatureRejectedV1,
  type CountersignEvent,
  type EventOf,
} from '@countersign/contracts';
import { DEV_ISSUER, type DemoIdentity } from '@countersign/platform/auth';
import { expectEventually } from '@countersign/testing';
import { jetstream } from '@nats-io/jetstream';
import { Ed25519Key } from '@countersign/platform/crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWSHeaderParameters } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as harness from '../broker-harness.spec.js';
import { classified, newIntent, requester, stranger, submitted, terms, type BrokerHarness } from '../broker-harness.spec.js';
import { IssueGrants } from './issue-grant/issue-grants.use-case.js';
import { SweepExpiredGrants } from './sweep-expired-grants/sweep-expired-grants.use-case.js';
import { ownerSignedJson, testEventKeys } from '@countersign/platform/event-keys';
import { EventPublisher } from '@countersign/platform/nats';

const noScope: DemoIdentity = { name: 'nobody', kind: 'user', groups: [], scopes: [] };
const policyActor = { kind: 'service' as const, id: 'policy' };

let h: BrokerHarness;
/** Every grant handed out, to prove none of them leaks anywhere. */
const minted: string[] = [];

beforeAll(async () => {
  h = await harness.startBroker({ name: 'broker' });
});

afterAll(async () => {
  await h?.close();
});

const grantRow = (intentId: string) => harness.grantRow(h, intentId);
const streamEvents = () => harness.streamEvents(h);
const allowedIntent = (who: DemoIdentity = requester) => harness.allowedIntent(h, { who });
const post = (path: string, body: unknown, token?: string) => harness.post(h, path, body, token);

async function claim(intentId: string, who: DemoIdentity = requester) {
  const res = await harness.claim(h, intentId, who);
  if (res.status === 200) minted.push(res.body['grant'] as string);
  return res;
}

describe('broker', () => {
  it('answers health and readiness', async () => {
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });
  });

  it('issues a grant for an allowed intent and publishes grant.issued without any token', async () => {
    const i = await allowedIntent();
    const row = await grantRow(i.intentId);
    expect(row).toMatchObject({ state: 'issued', intent_hash: i.hash, requester_subject: 'ci-deployer', requester_issuer: DEV_ISSUER, audience: 'db-proxy', action: 'db.export', use_ttl_seconds: 60, token_sha256: null });
    await expectEventually(async () => {
      const issued = (await streamEvents()).map((m) => m.event).find((e) => e.type === 'grant.issued' && e.intentId === i.intentId);
      expect(issued?.data).toEqual({ grantId: row!['id'], jti: row!['jti'], intentHash: i.hash, audience: 'db-proxy', claimBy: (row!['claim_by'] as Date).toISOString() });
    });
  });

  it('issues once even when classified arrives before submitted, and never for deny', async () => {
    const late = newIntent();
    await h.publisher.publish(classified(late));
    await new Promise((r) => setTimeout(r, 300));
    expect(await grantRow(late.intentId)).toBeUndefined();
    await h.publisher.publish(submitted(late));
    await expectEventually(async () => expect(await grantRow(late.intentId)).toMatchObject({ state: 'issued' }), { timeoutMs: 15_000 });

    const denied = newIntent();
    await h.publisher.publishAll([submitted(denied), classified(denied, 'deny')]);
    const allowed = await allowedIntent(); // published after the deny: once it is done, the deny was handled
    expect(await grantRow(allowed.intentId)).toBeDefined();
    expect(await grantRow(denied.intentId)).toBeUndefined();
  });

  it('issues a grant after an approval', async () => {
    const i = newIntent();
    const approved = createEvent(IntentApprovedV1, {
      id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor,
      data: { reviewId: uuidv7(), intentHash: i.hash, grant: { ...terms, audience: 'k8s-api' }, approvers: ['alice', 'bob'] },
    });
    await h.publisher.publishAll([submitted(i), approved]);
    await expectEventually(async () => expect(await grantRow(i.intentId)).toMatchObject({ state: 'issued', audience: 'k8s-api' }));
  });

  it('mints nothing for an approval forged by a service other than policy, and reports the attempt', async () => {
    const i = newIntent();
    const forged = createEvent(IntentApprovedV1, {
      id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor,
      data: { reviewId: uuidv7(), intentHash: i.hash, grant: terms, approvers: ['mallory'] },
    });
    // A compromised notifier holds a genuine key, but not policy's: its approval is refused, never handled.
    await h.publisher.publish(submitted(i));
    await new EventPublisher(h.nc, h.logger, testEventKeys().signerFor('notifier')).publish(forged);
    const report = await expectEventually(async () => {
      const found = (await streamEvents()).map((m) => m.event).find((e) => e.type === SignatureRejectedV1.type && e.data.originalEventId === forged.id);
      expect(found).toBeDefined();
      return found as EventOf<typeof SignatureRejectedV1>;
    });
    expect(report.data).toMatchObject({ consumer: 'broker', eventType: 'intent.approved', signer: 'notifier', reason: expect.stringMatching(/may not be emitted by notifier/) });
    expect(report.signature).toBeDefined();
    expect(await grantRow(i.intentId)).toBeUndefined();
  });

  it('issues one grant per intent for a burst, and an overtaking event holds back none of its batch mates', async () => {
    const late = newIntent();
    const burst = Array.from({ length: 30 }, () => newIntent());
    // Stream order puts the early classified first, in the same pull as the others.
    await h.publisher.publishAll([classified(late), ...burst.flatMap((i) => [submitted(i), classified(i)])]);
    // Sooner than the 1 s retry delay: had the early event failed its whole batch, the burst would wait for it.
    await expectEventually(
      async () => {
        const r = await h.sql.query('SELECT count(*)::int AS n FROM broker.grants WHERE intent_id = ANY($1::uuid[])', [burst.map((i) => i.intentId)]);
        expect(r.rows[0].n).toBe(burst.length);
      },
      { timeoutMs: 900 },
    );
    expect(await grantRow(late.intentId)).toBeUndefined();
    await h.publisher.publish(submitted(late));
    await expectEventually(async () => expect(await grantRow(late.intentId)).toMatchObject({ state: 'issued' }), { timeoutMs: 15_000 });
    await expectEventually(async () => {
      const ids = new Set([late, ...burst].map((i) => i.intentId));
      const issued = (await streamEvents()).map((m) => m.event).filter((e) => e.type === 'grant.issued' && ids.has(e.intentId!));
      expect(issued).toHaveLength(burst.length + 1);
    });
  });

  it('a redelivered classified event issues no second grant and republishes the same grant.issued id', async () => {
    const i = newIntent();
    const allow = classified(i);
    await h.publisher.publishAll([submitted(i), allow]);
    await expectEventually(async () => expect(await grantRow(i.intentId)).toBeDefined());
    const issuedFor = async () => (await streamEvents()).map((m) => m.event).filter((e) => e.type === 'grant.issued' && e.intentId === i.intentId);
    const [first] = await expectEventually(async () => {
      const found = await issuedFor();
      expect(found).toHaveLength(1);
      return found;
    });
    // A second stream message with the same event (as after a crash before ack): a new Nats-Msg-Id gets it past dedup.
    const seen: CountersignEvent[] = [];
    const sub = h.nc.subscribe(GrantIssuedV1.subject);
    void (async () => {
      for await (const m of sub) seen.push(m.json<CountersignEvent>());
    })();
    await jetstream(h.nc).publish(IntentClassifiedV1.subject, ownerSignedJson(allow), { msgID: `${allow.id}-again` });
    await expectEventually(() => expect(seen.map((e) => e.id)).toEqual([first!.id]));
    sub.unsubscribe();
    expect(await issuedFor()).toHaveLength(1);
    const r = await h.sql.query('SELECT count(*)::int AS n FROM broker.grants WHERE intent_id = $1', [i.intentId]);
    expect(r.rows[0].n).toBe(1);
  });

  it('a batch holding already-processed events republishes their stored events and writes nothing new for them', async () => {
    const i = newIntent();
    const sub1 = submitted(i);
    const allow = classified(i);
    await h.publisher.publishAll([sub1, allow]);
    await expectEventually(async () => expect(await grantRow(i.intentId)).toBeDefined());
    const processedIds = [sub1.id, allow.id];
    const markers = async () =>
      (await h.sql.query('SELECT event_id::text, outgoing, processed_at FROM broker.processed_events WHERE event_id = ANY($1::uuid[]) ORDER BY event_id', [processedIds])).rows;
    const totals = async () =>
      (await h.sql.query(`SELECT (SELECT count(*)::int FROM broker.grants) AS g, (SELECT count(*)::int FROM broker.intents) AS i,
        (SELECT count(*)::int FROM broker.processed_events) AS p`)).rows[0] as { g: number; i: number; p: number };
    const before = await expectEventually(async () => {
      const m = await markers();
      expect(m).toHaveLength(2);
      return m;
    });
    const stored = before.find((m) => m['event_id'] === allow.id)?.['outgoing'] as CountersignEvent[];
    expect(stored.map((e) => e.type)).toEqual(['grant.issued']);
    const storedId = stored[0]?.id;
    const grantBefore = await grantRow(i.intentId);

    const seen: CountersignEvent[] = [];
    const sub = h.nc.subscribe(GrantIssuedV1.subject);
    void (async () => {
      for await (const m of sub) seen.push(m.json<CountersignEvent>());
    })();
    const issueGrants = h.app.get(IssueGrants);

    // Only processed events: the same grant.issued again (same id), and not one row written.
    const totalsBefore = { ...(await totals()) };
    await issueGrants.execute([sub1, allow]);
    await expectEventually(() => expect(seen.map((e) => e.id)).toEqual([storedId]));
    expect(await totals()).toEqual(totalsBefore);

    // Mixed with fresh ones: the fresh intent gets its grant, the processed ones still nothing new.
    const j = newIntent();
    await issueGrants.execute([allow, submitted(j), classified(j)]);
    const fresh = await grantRow(j.intentId);
    expect(fresh).toBeDefined();
    await expectEventually(() => {
      expect(seen.map((e) => e.id).slice(0, 2)).toEqual([storedId, storedId]);
      expect(seen.slice(2).map((e) => (e.data as { grantId: string }).grantId)).toEqual([fresh?.['id']]);
    });
    sub.unsubscribe();

    // Another hash than the recorded intent's: marked, no grant, and said why; an overtaking event: not marked, retried.
    const wrong = classified({ ...i, hash: 'f'.repeat(64) });
    const ahead = classified(newIntent());
    await expect(issueGrants.execute([wrong, ahead])).rejects.toMatchObject({ code: 'RETRY_LATER', eventIds: [ahead.id] });
    expect(h.logLines.some((l) => l.includes(wrong.id) && l.includes('another intent hash'))).toBe(true);
    const marked = await h.sql.query('SELECT event_id::text FROM broker.processed_events WHERE event_id = ANY($1::uuid[])', [[wrong.id, ahead.id]]);
    expect(marked.rows.map((r) => r['event_id'])).toEqual([wrong.id]);
    totalsBefore.p += 1;

    expect(await markers()).toEqual(before);
    expect(await grantRow(i.intentId)).toEqual(grantBefore);
    const after = await totals();
    expect(after).toEqual({ g: totalsBefore.g + 1, i: totalsBefore.i + 1, p: totalsBefore.p + 2 });
  });

  it('refuses a claim without a token (401), without the scope (403), by another identity (403), for no grant (404), with a bad body (400)', async () => {
    const i = await allowedIntent();
    const missing = await post('/v1/grants/claim', { intentId: i.intentId });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="countersign"/);
    expect((await claim(i.intentId, noScope)).body).toEqual({ error: { code: 'SCOPE_MISSING', message: expect.any(String) } });
    const other = await claim(i.intentId, stranger);
    expect([other.status, other.body['error'].code]).toEqual([403, 'NOT_GRANT_REQUESTER']);
    const none = await claim(uuidv7());
    expect([none.status, none.body['error'].code]).toEqual([404, 'GRANT_NOT_FOUND']);
    const bad = await post('/v1/grants/claim', { intentId: 'nope' }, await h.issuer.mint(requester));
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'intentId' }] });
    const notJson = await post('/v1/grants/claim', '{', await h.issuer.mint(requester));
    expect(notJson.status).toBe(400);
    const huge = await post('/v1/grants/claim', { intentId: i.intentId, pad: 'x'.repeat(20_000) }, await h.issuer.mint(requester));
    expect([huge.status, huge.body['error']?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await grantRow(i.intentId))!['state']).toBe('issued');
  });

  it('lets the requester claim once; the grant verifies against the JWKS; a second claim is 409', async () => {
    const i = await allowedIntent();
    const first = await claim(i.intentId);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const row = await grantRow(i.intentId);
    // No provider serves this resource: the credential is the grant itself (signed-grant).
    expect(first.body).toEqual({
      grant: expect.any(String),
      expiresAt: (row!['expires_at'] as Date).toISOString(),
      audience: 'db-proxy',
      jti: row!['jti'],
      credential: { kind: 'signed-grant', secret: first.body['grant'] },
    });
    expect(row).toMatchObject({ state: 'claimed', kid: expect.any(String), token_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const jwks = (await (await fetch(`${h.base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([row!['kid']]);
    const { payload } = await jwtVerify(first.body['grant'] as string, createLocalJWKSet(jwks as never), { issuer: 'urn:countersign:broker', audience: 'db-proxy' });
    expect(payload).toMatchObject({ sub: 'ci-deployer', jti: row!['jti'], intent_id: i.intentId, intent_hash: i.hash, action: 'db.export', resource: i.intent.resource });

    const second = await claim(i.intentId);
    expect([second.status, second.body['error'].code]).toEqual([409, 'GRANT_ALREADY_CLAIMED']);
  });

  it('redeems a grant exactly once under 100 concurrent attempts', async () => {
    const i = await allowedIntent();
    const grant = (await claim(i.intentId)).body['grant'] as string;
    const results = await Promise.all(Array.from({ length: 100 }, () => post('/v1/grants/redeem', { grant, audience: 'db-proxy' })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body).toEqual({ intentId: i.intentId, action: 'db.export', resource: i.intent.resource, intentHash: i.hash });
    expect(results.filter((r) => r.status === 409 && r.body['error'].code === 'GRANT_ALREADY_USED')).toHaveLength(99);
    expect((await grantRow(i.intentId))!['state']).toBe('redeemed');
    await expectEventually(async () => {
      const redeemed = (await streamEvents()).filter((m) => m.event.type === 'grant.redeemed' && m.event.intentId === i.intentId);
      expect(redeemed).toHaveLength(1);
    });
  });

  it('refuses a tampered grant (any claim changed, re-signed with another key, alg none) with 401 and another audience with 403, and keeps the grant usable', async () => {
    const i = await allowedIntent();
    const grant = (await claim(i.intentId)).body['grant'] as string;
    const [header, payload, signature] = grant.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const changed: Record<string, unknown> = {
      iss: 'urn:someone-else', sub: 'mallory', aud: 'db-proxy ', jti: uuidv7(), iat: (claims['iat'] as number) - 1,
      nbf: (claims['nbf'] as number) - 60, exp: (claims['exp'] as number) + 3600, intent_id: uuidv7(), intent_hash: 'f'.repeat(64),
      action: 'db.drop', resource: { kind: 'db', id: 'payments', env: 'prod', tags: [] },
    };
    expect(Object.keys(changed).sort()).toEqual(Object.keys(claims).sort());
    const foreign = Ed25519Key.generate();
    for (const [name, value] of Object.entries(changed)) {
      const body = { ...claims, [name]: value };
      const forgeries = {
        [`${name} changed`]: `${header}.${b64(body)}.${signature}`,
        // Another key that claims to be the broker's (same kid in the header).
        [`${name} changed, re-signed`]: await new SignJWT(body).setProtectedHeader(decodeProtectedHeader(grant) as JWSHeaderParameters & { alg: string }).sign(foreign.privateKeyObject),
      };
      for (const [what, forged] of Object.entries(forgeries)) {
        const res = await post('/v1/grants/redeem', { grant: forged, audience: 'db-proxy' });
        expect([what, res.status, res.body['error'].code]).toEqual([what, 401, 'GRANT_INVALID']);
      }
    }
    const unsigned = `${b64({ alg: 'none', typ: 'countersign-grant+jwt', kid: decodeProtectedHeader(grant).kid })}.${payload}.`;
    const none = await post('/v1/grants/redeem', { grant: unsigned, audience: 'db-proxy' });
    expect([none.status, none.body['error'].code]).toEqual([401, 'GRANT_INVALID']);
    const resigned = await new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(grant) as JWSHeaderParameters & { alg: string }).sign(foreign.privateKeyObject);
    expect((await post('/v1/grants/redeem', { grant: resigned, audience: 'db-proxy' })).body['error'].code).toBe('GRANT_INVALID');
    const wrongAud = await post('/v1/grants/redeem', { grant, audience: 'billing-api' });
    expect([wrongAud.status, wrongAud.body['error'].code]).toEqual([403, 'AUDIENCE_MISMATCH']);
    expect((await post('/v1/grants/redeem', { grant, audience: 'db-proxy' })).status).toBe(200);
  });

  it('expires unused and unclaimed grants: redeem/claim refused, the sweeper publishes grant.expired once', async () => {
    const unused = await allowedIntent();
    const grant = (await claim(unused.intentId)).body['grant'] as string;
    const unclaimed = await allowedIntent();
    try {
      h.clock.offsetMs = 61_000; // past the 60 s use TTL
      const late = await post('/v1/grants/redeem', { grant, audience: 'db-proxy' });
      expect([late.status, late.body['error'].code]).toEqual([401, 'GRANT_TOKEN_EXPIRED']);
      h.clock.offsetMs = 301_000; // past the 300 s claim window
      const tooLate = await claim(unclaimed.intentId);
      expect([tooLate.status, tooLate.body['error'].code]).toEqual([410, 'GRANT_CLAIM_EXPIRED']);

      const sweep = h.app.get(SweepExpiredGrants);
      const [a, b] = await Promise.all([sweep.execute(), sweep.execute()]);
      expect(a + b).toBeGreaterThanOrEqual(2);
      expect(await sweep.execute()).toBe(0);
      const expiredRows = await h.sql.query(`SELECT count(*)::int AS n FROM broker.grants WHERE state = 'expired'`);
      expect(expiredRows.rows[0].n).toBe(a + b);
      expect((await grantRow(unused.intentId))!['state']).toBe('expired');
      expect((await grantRow(unclaimed.intentId))!['state']).toBe('expired');
      await expectEventually(async () => {
        const expired = (await streamEvents()).map((m) => m.event).filter((e) => e.type === 'grant.expired');
        expect(expired.filter((e) => e.intentId === unused.intentId).map((e) => e.data)).toEqual([expect.objectContaining({ stage: 'unused' })]);
        expect(expired.filter((e) => e.intentId === unclaimed.intentId).map((e) => e.data)).toEqual([expect.objectContaining({ stage: 'unclaimed' })]);
      });
    } finally {
      h.clock.offsetMs = 0;
    }
  });

  it('republishes an outbox event that a crash left unpublished', async () => {
    const i = await allowedIntent();
    const row = (await grantRow(i.intentId))!;
    const event = createEvent(GrantRevokedV1, {
      id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: { kind: 'service', id: 'broker' },
      data: { grantId: row['id'] as string, jti: row['jti'] as string, intentHash: i.hash, reason: 'test' },
    });
    await h.sql.query(`INSERT INTO broker.outbox (event_id, event, created_at) VALUES ($1, $2, now() - interval '10 seconds')`, [event.id, JSON.stringify(event)]);
    await expectEventually(async () => {
      expect((await streamEvents()).some((m) => m.event.id === event.id)).toBe(true);
      const r = await h.sql.query('SELECT published_at FROM broker.outbox WHERE event_id = $1', [event.id]);
      expect(r.rows[0].published_at).toBeInstanceOf(Date);
    });
  });

  it('never mints a grant for a rejected, expired, withdrawn or denied intent, even when an approval follows', async () => {
    const closing = [
      (i: harness.TestIntent) => createEvent(IntentRejectedV1, { id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor, data: { reviewId: uuidv7(), intentHash: i.hash, reason: 'no' } }),
      (i: harness.TestIntent) => createEvent(IntentExpiredV1, { id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor, data: { reviewId: uuidv7(), intentHash: i.hash } }),
      (i: harness.TestIntent) => createEvent(IntentWithdrawnV1, { id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: { kind: 'pipeline', id: 'ci-deployer' }, data: {} }),
      (i: harness.TestIntent) => classified(i, 'deny'),
    ];
    const approved = (i: harness.TestIntent) =>
      createEvent(IntentApprovedV1, { id: uuidv7(), occurredAt: new Date(), intentId: i.intentId, actor: policyActor, data: { reviewId: uuidv7(), intentHash: i.hash, grant: terms, approvers: ['bob'] } });
    const inOneBatch = closing.map(() => newIntent());
    const acrossBatches = closing.map(() => newIntent());
    // Closing and (replayed or forged) approving events in one batch, and in later batches.
    await h.publisher.publishAll(inOneBatch.flatMap((i, n) => [submitted(i), closing[n]!(i), approved(i)]));
    await h.publisher.publishAll(acrossBatches.flatMap((i, n) => [submitted(i), closing[n]!(i)]));
    await expectEventually(async () => {
      const r = await h.sql.query('SELECT count(*)::int AS n FROM broker.closed_intents WHERE intent_id = ANY($1::uuid[])', [acrossBatches.map((i) => i.intentId)]);
      expect(r.rows[0].n).toBe(closing.length);
    });
    await h.publisher.publishAll(acrossBatches.flatMap((i) => [approved(i), classified(i, 'allow')]));
    const control = await allowedIntent(); // published last: once it has its grant, everything before was handled
    expect(await grantRow(control.intentId)).toBeDefined();
    for (const i of [...inOneBatch, ...acrossBatches]) expect(await grantRow(i.intentId)).toBeUndefined();
    const closed = await h.sql.query('SELECT reason FROM broker.closed_intents WHERE intent_id = ANY($1::uuid[]) ORDER BY reason', [inOneBatch.map((i) => i.intentId)]);
    expect(closed.rows.map((r) => r['reason'])).toEqual(['denied', 'expired', 'rejected', 'withdrawn']);
    expect(h.logLines.some((l) => l.includes(acrossBatches[0]!.intentId) && l.includes('already rejected, expired, withdrawn or denied'))).toBe(true);
  });

  it('loses nothing when broker restarts between claim and redeem', async () => {
    const i = await allowedIntent();
    const grant = (await claim(i.intentId)).body['grant'] as string;
    await h.restart();
    const res = await post('/v1/grants/redeem', { grant, audience: 'db-proxy' });
    expect([res.status, res.body['intentId']]).toEqual([200, i.intentId]);
    expect((await post('/v1/grants/redeem', { grant, audience: 'db-proxy' })).body['error'].code).toBe('GRANT_ALREADY_USED');
    await expectEventually(async () => {
      const types = (await streamEvents()).filter((m) => m.event.intentId === i.intentId).map((m) => m.event.type);
      expect(types).toEqual(['intent.submitted', 'intent.classified', 'grant.issued', 'grant.claimed', 'grant.redeemed']);
    });
  });

  it('never lets a grant reach the stream, the database or the logs', async () => {
    expect(minted.length).toBeGreaterThanOrEqual(4);
    await expectEventually(async () => {
      const r = await h.sql.query('SELECT count(*)::int AS n FROM broker.outbox WHERE published_at IS NULL');
      expect(r.rows[0].n).toBe(0);
    });
    const messages = await streamEvents();
    expect(messages.some((m) => m.event.type === 'grant.claimed')).toBe(true);
    const tables = await h.sql.query(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const logs = h.logLines.join('');
    for (const token of minted) {
      const signature = token.split('.')[2]!;
      for (const m of messages) {
        expect(m.raw.includes(signature) || m.headers.includes(signature)).toBe(false);
      }
      for (const t of tables.rows as Array<{ table_schema: string; table_name: string }>) {
        const hit = await h.sql.query(`SELECT count(*)::int AS n FROM "${t.table_schema}"."${t.table_name}" x WHERE strpos(x::text, $1) > 0`, [signature]);
        expect(hit.rows[0].n, `${t.table_schema}.${t.table_name}`).toBe(0);
      }
      expect(logs.includes(signature)).toBe(false);
    }
  });
});
