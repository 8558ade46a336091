import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialError, type CredentialHandle, type GrantedIntent } from '../credential-provider.js';
import { PostgresProvider } from './postgres.provider.js';
import { PgTargets, PgTargetsJson } from './postgres-targets.js';
import { scramSha256Verifier } from './scram.js';
import { TargetAdmin } from './target-admin.js';
import { createTargetDatabase, outcome, type TargetDatabase } from './target-database.spec.js';

let target: TargetDatabase;
let admin: TargetAdmin;
let provider: PostgresProvider;
const logLines: string[] = [];
const handles: CredentialHandle[] = [];


beforeAll(async () => {
  target = await createTargetDatabase();
  admin = new TargetAdmin(pino({ level: 'debug' }, new Writable({ write: (c: Buffer, _e, done) => (logLines.push(c.toString()), done()) })));
  const targets = PgTargets.from(PgTargetsJson.parse({ 'db:test/*': target.url, 'db:down/*': 'postgres://postgres:s3cret-admin@127.0.0.1:1/nowhere' }));
  provider = new PostgresProvider(targets, admin, { connectWindowSeconds: 10, maxSessionSeconds: 60 });
});

afterAll(async () => {
  for (const h of handles) await provider.revoke(h).catch(() => undefined);
  await admin?.close();
  await target?.drop();
});

function intent(args: Record<string, unknown>, id = 'orders', env = 'test'): GrantedIntent {
  return { action: 'db.query', resource: { kind: 'db', id, env, tags: [] }, args };
}

async function mint(args: Record<string, unknown>, opts: { jti?: string; id?: string; env?: string } = {}) {
  const jti = opts.jti ?? randomUUID();
  const grant = { grantId: randomUUID(), jti, audience: 'db:test/orders', expiresAt: new Date(Date.now() + 60_000), token: 'unused' };
  const minted = await provider.mint(grant, intent(args, opts.id, opts.env));
  handles.push(minted.handle!);
  return { ...minted, role: String(minted.handle!['role']), handle: minted.handle! };
}

describe('PostgresProvider', () => {
  it('serves db.query and db.export on configured targets only', () => {
    expect(provider.supports(intent({ table: 'orders' }))).toBe(true);
    expect(provider.supports({ ...intent({}), action: 'db.export' })).toBe(true);
    expect(provider.supports({ ...intent({}), action: 'db.drop_table' })).toBe(false);
    expect(provider.supports(intent({}, 'orders', 'prod'))).toBe(false);
  });

  it('mints a role that cannot log in before redeem, with one connection, no inheritance, a validity and a SCRAM password', async () => {
    const { role, secret } = await mint({ table: 'orders' });
    expect(role).toMatch(/^cs_[0-9a-f]{16}$/);
    const url = new URL(secret);
    expect([url.username, url.pathname, url.password.length]).toEqual([role, `/${target.name}`, 43]);
    expect(await target.role(role)).toMatchObject({ rolcanlogin: false, rolconnlimit: 1, rolinherit: false, rolvaliduntil: expect.any(Date) });
    const stored = await target.admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    expect(stored.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(await outcome(target.connectAs(secret))).toBe('28000'); // not permitted to log in
  });

  it('after activation: runs the approved query once, reads nothing else, opens no second connection, and is dropped after use', async () => {
    const { role, secret, handle } = await mint({ table: 'orders' });
    const win = await provider.activate(handle, { now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    expect(win.startBy.getTime()).toBeLessThanOrEqual(Date.now() + 10_000);
    const client = await target.connectAs(secret);
    expect((await client.query('SELECT sum(total)::int AS t FROM orders')).rows).toEqual([{ t: 42 }]);
    expect(await outcome(client.query('SELECT * FROM customers'))).toBe('42501');
    expect(await outcome(client.query('INSERT INTO orders VALUES (3, 1)'))).toBe('42501');
    expect(await outcome(client.query('SELECT * FROM reports.daily'))).toBe('42501');
    expect(await outcome(client.query('SELECT customer_count()'))).toBe('42501');
    expect(await outcome(target.connectAs(secret))).toBe('53300'); // too many connections for role

    // Seen in use: stays, but no new login may start.
    expect(await provider.settle(handle, win, new Date())).toEqual({ removed: false });
    expect((await target.role(role))?.rolcanlogin).toBe(false);
    await client.end();
    expect(await provider.settle(handle, win, new Date())).toEqual({ removed: true, why: 'used' });
    expect(await target.role(role)).toBeUndefined();
    expect(await outcome(target.connectAs(secret))).toBe('28000'); // role does not exist
  });

  it('executes exactly one function, resolves schema-qualified tables, and refuses what the target does not have', async () => {
    const fn = await mint({ function: 'public.order_total(integer)' });
    await provider.activate(fn.handle, { now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    const c = await target.connectAs(fn.secret);
    expect((await c.query('SELECT order_total(2)::int AS t')).rows).toEqual([{ t: 32 }]);
    expect(await outcome(c.query('SELECT customer_count()'))).toBe('42501');
    expect(await outcome(c.query('SELECT * FROM orders'))).toBe('42501');
    await c.end();

    const daily = await mint({ table: 'reports.daily' });
    await provider.activate(daily.handle, { now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    const d = await target.connectAs(daily.secret);
    expect((await d.query('SELECT orders FROM reports.daily')).rows).toEqual([{ orders: 2 }]);
    await d.end();

    const refusals = [
      { table: 'invoices' },
      { table: 'Orders' },
      { table: 'orders"; DROP TABLE customers; --' },
      { table: 'a.b.c' },
      { function: 'twice' },
      { function: 'public.nope()' },
      { function: 'order_total(int); DROP TABLE customers' },
      { table: 'orders', function: 'twice(int)' },
      {},
    ];
    for (const args of refusals) {
      const failed = await mint(args).then(() => 'minted', (e: unknown) => (e instanceof CredentialError ? e.reason : String(e)));
      expect([args, failed]).toEqual([args, 'refused']);
    }
    expect((await target.admin.query('SELECT count(*)::int AS n FROM customers')).rows[0].n).toBe(1);
    const twice = await mint({ function: 'twice(integer)' });
    expect(twice.role).toMatch(/^cs_/);
  });

  it('drops a role nobody connected with once its connect window is over, and cuts off a session that runs too long', async () => {
    const idle = await mint({ table: 'orders' });
    const win = await provider.activate(idle.handle, { now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    expect(await provider.settle(idle.handle, win, new Date())).toEqual({ removed: false });
    expect(await provider.settle(idle.handle, win, new Date(win.startBy.getTime() + 1))).toEqual({ removed: true, why: 'connect window over' });
    expect(await target.role(idle.role)).toBeUndefined();

    const long = await mint({ table: 'orders' });
    const lw = await provider.activate(long.handle, { now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    const c = await target.connectAs(long.secret);
    expect(await provider.settle(long.handle, lw, new Date(lw.endBy.getTime() + 1))).toEqual({ removed: true, why: 'session cut off at its maximum length' });
    expect(await target.sessions(long.role)).toBe(0);
    expect(await outcome(c.query('SELECT 1'))).not.toBe('ok');
  });

  it('revokes idempotently, and a second mint for the same grant replaces what a crashed claim left', async () => {
    const jti = randomUUID();
    const first = await mint({ table: 'orders' }, { jti });
    const again = await mint({ table: 'orders' }, { jti });
    expect(again.role).toBe(first.role);
    expect(again.secret).not.toBe(first.secret);
    await provider.revoke(again.handle);
    await provider.revoke(again.handle);
    expect(await target.role(first.role)).toBeUndefined();
  });

  it('computes the SCRAM verifier Postgres itself computes for the same password and salt', async () => {
    const role = `cs_scram_${randomUUID().slice(0, 8)}`;
    await target.admin.query(`SET password_encryption = 'scram-sha-256'`);
    await target.admin.query(`CREATE ROLE ${role} PASSWORD 'correct horse battery staple'`);
    try {
      const stored = String((await target.admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0].rolpassword);
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
      expect(scramSha256Verifier('correct horse battery staple', Buffer.from(salt!, 'base64'), Number(iterations))).toBe(stored);
    } finally {
      await target.admin.query(`DROP ROLE ${role}`);
    }
  });

  it('reports an unreachable target without its URL, password or any role name', async () => {
    const failed = await mint({ table: 'orders' }, { id: 'x', env: 'down' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CredentialError);
    const message = (failed as CredentialError).message;
    expect([(failed as CredentialError).reason, message]).toEqual(['unavailable', 'postgres target db:down/*: connecting failed (ECONNREFUSED)']);
    const targets = PgTargets.from(PgTargetsJson.parse({ 'db:x/*': 'postgres://u:s3cret@h:1/d' }));
    expect(JSON.stringify(targets.all) + inspect(targets.all)).not.toContain('s3cret');
    expect(logLines.join('')).not.toContain('s3cret');
  });
});
