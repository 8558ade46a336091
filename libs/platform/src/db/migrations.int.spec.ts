import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@countersign/testing';
import { applyMigrations, defaultMigrationsDir, ensureDatabase } from './index.js';

describe('applyMigrations', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('cs_migr');
  });
  afterAll(async () => {
    await client?.end();
    await db.drop();
  });

  it('applies every migration to a fresh database, then nothing on a second run', async () => {
    const local = (await readdir(defaultMigrationsDir(), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(local[0]).toMatch(/^\d{14}_init$/);
    const lines: string[] = [];
    expect(await applyMigrations(db.url, { log: (l) => lines.push(l) })).toEqual(local);
    expect(lines).toContain(`applied ${local[0]}`);
    expect(await applyMigrations(db.url)).toEqual([]);

    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const tables = await client.query<{ t: string }>(
      `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
        WHERE table_schema IN ('intake','policy','notifier','broker','audit')`,
    );
    expect(tables.rows.map((r) => r.t)).toEqual(
      expect.arrayContaining([
        'intake.intents', 'intake.idempotency_keys', 'intake.intent_events', 'policy.decisions', 'policy.reviews',
        'policy.processed_events', 'notifier.deliveries', 'notifier.processed_events', 'broker.grants',
        'broker.processed_events', 'audit.events',
      ]),
    );
  });

  it('records migrations in _prisma_migrations the way Prisma does', async () => {
    const rows = await client.query(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    const first = rows.rows[0];
    const sql = await readFile(join(defaultMigrationsDir(), first.migration_name, 'migration.sql'));
    expect(first).toMatchObject({
      checksum: createHash('sha256').update(sql).digest('hex'),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.finished_at).toBeInstanceOf(Date);
    expect(first.started_at.getTime()).toBeLessThanOrEqual(first.finished_at.getTime());
    const columns = await client.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((c) => `${c.column_name}:${c.data_type}`)).toEqual([
      'id:character varying', 'checksum:character varying', 'finished_at:timestamp with time zone',
      'migration_name:character varying', 'logs:text', 'rolled_back_at:timestamp with time zone',
      'started_at:timestamp with time zone', 'applied_steps_count:integer',
    ]);
  });

  it('makes audit.events append-only: UPDATE, DELETE and TRUNCATE raise', async () => {
    const h = 'a'.repeat(64);
    await client.query(
      `INSERT INTO audit.events (seq, event_id, subject, type, occurred_at, payload, leaf_hash, prev_hash, entry_hash, signature, kid)
       VALUES (1, gen_random_uuid(), 's', 't', now(), '{}', $1, $1, $1, 'sig', 'kid')`,
      [h],
    );
    await expect(client.query(`UPDATE audit.events SET kid = 'other'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(client.query(`DELETE FROM audit.events`)).rejects.toThrow(/append-only: DELETE/);
    await expect(client.query(`TRUNCATE audit.events`)).rejects.toThrow(/append-only: TRUNCATE/);
    const count = await client.query(`SELECT count(*)::int AS n FROM audit.events`);
    expect(count.rows[0].n).toBe(1);
  });

  it('refuses grant states outside the lifecycle', async () => {
    await expect(
      client.query(
        `INSERT INTO broker.grants (id, intent_id, jti, intent_hash, requester_subject, requester_issuer, audience,
           action, resource, state, claim_by, use_ttl_seconds)
         VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $1, 's', 'i', 'a', 'x', '{}', 'stolen', now(), 60)`,
        ['b'.repeat(64)],
      ),
    ).rejects.toThrow(/grants_state_check/);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-migr-'));
    try {
      await cp(defaultMigrationsDir(), dir, { recursive: true });
      const first = (await readdir(dir)).filter((n) => /^\d/.test(n)).sort()[0]!;
      const file = join(dir, first, 'migration.sql');
      await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
      await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(/modified after it was applied/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serialises concurrent runs: each migration is applied exactly once', async () => {
    const fresh = await createTestDatabase('cs_migr_race');
    try {
      const runs = await Promise.all([applyMigrations(fresh.url), applyMigrations(fresh.url), applyMigrations(fresh.url)]);
      const all = runs.flat();
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBeGreaterThan(0);
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      const n = await c.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      await c.end();
      expect(n.rows[0].n).toBe(all.length);
    } finally {
      await fresh.drop();
    }
  });

  it('records a failed migration and refuses later runs until it is resolved', async () => {
    const fresh = await createTestDatabase('cs_migr_fail');
    const dir = await mkdtemp(join(tmpdir(), 'cs-migr-'));
    try {
      await cp(defaultMigrationsDir(), dir, { recursive: true });
      await cp(join(dir, (await readdir(dir)).filter((n) => /^\d/.test(n)).sort()[0]!), join(dir, '29991231000000_broken'), { recursive: true });
      await writeFile(join(dir, '29991231000000_broken', 'migration.sql'), 'CREATE TABLE audit.ok (id int);\nSELECT no_such_function();\n');
      await expect(applyMigrations(fresh.url, { migrationsDir: dir })).rejects.toThrow(/29991231000000_broken failed/);
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      const failed = await c.query(`SELECT finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`);
      const partial = await c.query(`SELECT to_regclass('audit.ok') AS t`);
      await c.end();
      expect(failed.rows[0]).toMatchObject({ finished_at: null, logs: expect.stringMatching(/no_such_function/) });
      expect(partial.rows[0].t).toBeNull();
      await expect(applyMigrations(fresh.url, { migrationsDir: dir })).rejects.toThrow(/failed earlier/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await fresh.drop();
    }
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database and is a no-op when it exists', async () => {
    const probe = await createTestDatabase('cs_ensure');
    await probe.drop();
    try {
      await ensureDatabase(probe.url);
      await ensureDatabase(probe.url);
      const c = new pg.Client({ connectionString: probe.url });
      await c.connect();
      const r = await c.query('SELECT current_database() AS d');
      await c.end();
      expect(r.rows[0].d).toBe(probe.name);
    } finally {
      await probe.drop();
    }
  });
});
