import { expectEventually } from '@countersign/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as harness from '../broker-harness.spec.js';
import { redeem, type BrokerHarness, type TestIntent } from '../broker-harness.spec.js';
import { SweepExpiredGrants } from '../grants/sweep-expired-grants/sweep-expired-grants.use-case.js';
import { RemoveStrayCredentials } from './remove-strays/remove-strays.use-case.js';
import { createTargetDatabase, outcome, type TargetDatabase } from './postgres/target-database.spec.js';

// The whole path through the running broker: an allowed db.query on a configured target → claim hands
// out a connection string once → redeem enables it → one connection runs the approved query → the role
// is dropped after use, or at expiry; and no password, role name or grant leaks anywhere.

let h: BrokerHarness;
let target: TargetDatabase;
const terms = { audience: 'db:test/orders', claimTtlSeconds: 300, useTtlSeconds: 60 };
/** Connection strings, grants and role names handed out, to prove none of them leaks. */
const secrets = { grants: [] as string[], connections: [] as string[], roles: [] as string[] };

beforeAll(async () => {
  target = await createTargetDatabase();
  h = await harness.startBroker({
    name: 'broker_pg',
    env: {
      BROKER_PG_TARGETS: JSON.stringify({ 'db:test/*': target.url, 'db:down/*': 'postgres://postgres:admin-s3cret@127.0.0.1:1/nowhere' }),
      BROKER_CREDENTIAL_INTERVAL_MS: '200',
      BROKER_PG_CONNECT_WINDOW_SECONDS: '5',
    },
  });
});

afterAll(async () => {
  for (const role of secrets.roles) await target?.admin.query(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
  await h?.close();
  await target?.drop();
});

function dbIntent(args: Record<string, string>, env = 'test'): Promise<TestIntent> {
  return harness.allowedIntent(h, { action: 'db.query', resource: { kind: 'db', id: 'orders', env, tags: [] }, args }, terms);
}

async function claimed(args: Record<string, string> = { table: 'orders' }) {
  const i = await dbIntent(args);
  const res = await harness.claim(h, i.intentId);
  expect(res.status).toBe(200);
  const { grant, credential } = res.body as { grant: string; credential: { kind: string; secret: string } };
  const role = new URL(credential.secret).username;
  secrets.grants.push(grant);
  secrets.connections.push(credential.secret);
  secrets.roles.push(role);
  return { i, grant, credential, role, password: new URL(credential.secret).password };
}

const credentialRow = async (intentId: string) =>
  (await h.sql.query('SELECT c.* FROM broker.credentials c JOIN broker.grants g ON g.id = c.grant_id WHERE g.intent_id = $1', [intentId])).rows[0] as
    | Record<string, unknown>
    | undefined;

describe('postgres credentials through the broker', () => {
  it('claim hands out a connection string once; it works only after redeem, for the approved table, on one connection, and the role goes after use', async () => {
    const { i, grant, credential, role } = await claimed();
    expect(credential.kind).toBe('postgres');
    expect(await credentialRow(i.intentId)).toMatchObject({ kind: 'postgres', state: 'minted', handle: { target: 'db:test/*', role } });
    expect(await outcome(target.connectAs(credential.secret))).toBe('28000');

    const res = await redeem(h, grant, terms.audience);
    expect([res.status, res.body['intentId']]).toEqual([200, i.intentId]);
    expect(await credentialRow(i.intentId)).toMatchObject({ state: 'active', start_by: expect.any(Date), end_by: expect.any(Date) });
    const client = await target.connectAs(credential.secret);
    expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 2 }]);
    expect(await outcome(client.query('SELECT email FROM customers'))).toBe('42501');
    expect(await outcome(target.connectAs(credential.secret))).toBe('53300');
    // In use: the job leaves it, but no further login may start.
    await expectEventually(async () => expect((await target.role(role))?.rolcanlogin).toBe(false));
    expect(await target.role(role)).toBeDefined();
    await client.end();
    await expectEventually(async () => expect(await credentialRow(i.intentId)).toMatchObject({ state: 'removed', removed_reason: 'used' }));
    expect(await target.role(role)).toBeUndefined();
    expect(await outcome(target.connectAs(credential.secret))).toBe('28000');
    expect((await redeem(h, grant, terms.audience)).body['error'].code).toBe('GRANT_ALREADY_USED');
  });

  it('exactly one of 20 concurrent redeems enables the credential', async () => {
    const { i, grant } = await claimed();
    const results = await Promise.all(Array.from({ length: 20 }, () => redeem(h, grant, terms.audience)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.body['error']?.code === 'GRANT_ALREADY_USED')).toHaveLength(19);
    expect((await credentialRow(i.intentId))?.['state']).toMatch(/^(active|removed)$/);
  });

  it('an unused credential is gone once its grant expires (the sweeper)', async () => {
    const { i, credential, role } = await claimed();
    try {
      h.clock.offsetMs = 61_000;
      await h.app.get(SweepExpiredGrants).execute();
      await expectEventually(async () => expect(await credentialRow(i.intentId)).toMatchObject({ state: 'removed', removed_reason: 'grant expired' }));
    } finally {
      h.clock.offsetMs = 0;
    }
    expect(await target.role(role)).toBeUndefined();
    expect(await outcome(target.connectAs(credential.secret))).toBe('28000');
    await expectEventually(async () => {
      const expired = (await harness.streamEvents(h)).filter((m) => m.event.type === 'grant.expired' && m.event.intentId === i.intentId);
      expect(expired.map((m) => m.event.data)).toEqual([expect.objectContaining({ stage: 'unused' })]);
    });
  });

  it('a restart between claim and redeem loses nothing: the new broker enables and later removes the credential', async () => {
    const { i, grant, credential, role } = await claimed();
    await h.restart();
    expect((await redeem(h, grant, terms.audience)).status).toBe(200);
    const client = await target.connectAs(credential.secret);
    expect((await client.query('SELECT max(id) AS m FROM orders')).rows).toEqual([{ m: 2 }]);
    await expectEventually(async () => expect((await target.role(role))?.rolcanlogin).toBe(false));
    await client.end();
    await expectEventually(async () => expect(await credentialRow(i.intentId)).toMatchObject({ state: 'removed', removed_reason: 'used' }));
  });

  it('a session too short for the job to see still ends with the connect window (the limit of polling, see README)', async () => {
    const { i, grant, credential, role } = await claimed();
    expect((await redeem(h, grant, terms.audience)).status).toBe(200);
    const quick = await target.connectAs(credential.secret);
    await quick.end();
    try {
      h.clock.offsetMs = 6_000; // past the 5 s connect window
      await expectEventually(async () => expect(await credentialRow(i.intentId)).toMatchObject({ state: 'removed', removed_reason: 'connect window over' }));
    } finally {
      h.clock.offsetMs = 0;
    }
    expect(await target.role(role)).toBeUndefined();
  });

  it('refuses (422) an intent naming what the target does not have, and answers 503 with Retry-After for an unreachable target; both leave the grant claimable', async () => {
    const missing = await dbIntent({ table: 'invoices' });
    const refused = await harness.claim(h, missing.intentId);
    expect([refused.status, refused.body['error'].code]).toEqual([422, 'CREDENTIAL_REFUSED']);
    expect((await harness.grantRow(h, missing.intentId))?.['state']).toBe('issued');

    const down = await dbIntent({ table: 'orders' }, 'down');
    const unavailable = await harness.claim(h, down.intentId);
    expect([unavailable.status, unavailable.body['error'].code, unavailable.headers.get('retry-after')]).toEqual([503, 'CREDENTIAL_UNAVAILABLE', '5']);
    expect(unavailable.body['error'].message).not.toMatch(/s3cret|127\.0\.0\.1|nowhere/);
    expect((await harness.grantRow(h, down.intentId))?.['state']).toBe('issued');
  });

  it('a revoke while the credential is in use ends its session and drops the role; each removal is a grant.credential_removed event', async () => {
    const { i, grant, credential, role } = await claimed();
    expect((await redeem(h, grant, terms.audience)).status).toBe(200);
    const client = await target.connectAs(credential.secret);
    client.on('error', () => undefined); // the server ends this session: expected here
    expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 2 }]);
    const security = { name: 'bob', kind: 'user' as const, groups: ['security'], scopes: ['grants:revoke'] };
    const res = await harness.post(h, '/v1/grants/revoke', { intentId: i.intentId, reason: 'session outlived its purpose' }, await h.issuer.mint(security));
    expect([res.status, res.body['revokedFrom']]).toEqual([200, 'redeemed']);
    await expectEventually(async () => expect(await credentialRow(i.intentId)).toMatchObject({ state: 'removed', removed_reason: 'grant revoked' }));
    expect(await target.role(role)).toBeUndefined();
    expect(await outcome(client.query('SELECT 1'))).not.toBe('ok');
    await client.end().catch(() => undefined);
    await expectEventually(async () => {
      const removed = (await harness.streamEvents(h)).map((m) => m.event).filter((e) => e.type === 'grant.credential_removed');
      expect(removed.filter((e) => e.intentId === i.intentId).map((e) => e.data)).toEqual([expect.objectContaining({ kind: 'postgres', reason: 'grant revoked' })]);
      // Every credential this file saw removed has its event, with the reason broker.credentials records.
      const rows = await h.sql.query(`SELECT g.intent_id::text AS "intentId", c.removed_reason AS reason FROM broker.credentials c
        JOIN broker.grants g ON g.id = c.grant_id WHERE c.state = 'removed'`);
      expect(rows.rows.length).toBeGreaterThanOrEqual(4);
      expect(new Set(removed.map((e) => `${e.intentId} ${e.data.reason}`))).toEqual(new Set(rows.rows.map((r) => `${r.intentId} ${r.reason}`)));
    });
  });

  it('removes a role a crashed claim left behind once no use can need it, and nothing the broker tracks or did not make', async () => {
    const tracked = await claimed();
    // What a claim leaves when broker dies after the target committed: a role with its privilege, no record.
    const stray = 'cs_0123456789abcdef';
    const notYet = 'cs_fedcba9876543210';
    const foreign = 'app_reader_0123456789abcdef';
    secrets.roles.push(stray, notYet);
    await target.admin.query(`CREATE ROLE ${stray} NOLOGIN VALID UNTIL '2000-01-01'; GRANT SELECT ON orders TO ${stray}`);
    await target.admin.query(`CREATE ROLE ${notYet} NOLOGIN VALID UNTIL 'infinity'`);
    await target.admin.query(`CREATE ROLE ${foreign} NOLOGIN VALID UNTIL '2000-01-01'`);
    // A tracked role as old as the stray. (Roles are global to the Postgres cluster, which other test
    // files share: the clock stays put so that their roles, all recent, are never candidates.)
    await target.admin.query(`ALTER ROLE ${tracked.role} VALID UNTIL '2000-01-01'`);
    try {
      expect(await h.app.get(RemoveStrayCredentials).execute()).toBeGreaterThanOrEqual(1);
    } finally {
      await target.admin.query(`DROP ROLE IF EXISTS ${foreign}`);
    }
    expect(await target.role(stray)).toBeUndefined();
    expect(await target.role(notYet)).toBeDefined();
    expect(await target.role(tracked.role)).toBeDefined();
    expect(await credentialRow(tracked.i.intentId)).toMatchObject({ state: 'minted' });
    expect(h.logLines.some((l) => l.includes('stray credentials removed'))).toBe(true);
    await target.admin.query(`DROP ROLE ${notYet}`);
  });

  it('never lets a password, connection string or grant reach the stream, any table or the logs; role names stay in broker.credentials', async () => {
    expect(secrets.connections.length).toBeGreaterThanOrEqual(4);
    await expectEventually(async () => {
      const r = await h.sql.query('SELECT count(*)::int AS n FROM broker.outbox WHERE published_at IS NULL');
      expect(r.rows[0].n).toBe(0);
    });
    const passwords = secrets.connections.map((c) => new URL(c).password);
    const signatures = secrets.grants.map((g) => g.split('.')[2]!);
    expect(await harness.findLeaks(h, [...passwords, ...secrets.connections, ...signatures, 'admin-s3cret'])).toEqual([]);
    expect(await harness.findLeaks(h, secrets.roles, { exceptTables: ['broker.credentials'] })).toEqual([]);
  });
});
