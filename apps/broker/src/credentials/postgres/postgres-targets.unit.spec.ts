import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PgTargets, PgTargetsJson } from './postgres-targets.js';

const targets = PgTargets.from(
  PgTargetsJson.parse({
    'db:prod/orders': 'postgres://admin:s3cret@db.internal:5432/orders?sslmode=require',
    'db:staging/*': { url: 'postgres://admin:s3cret@10.0.0.5:5432/staging', clientUrl: 'postgres://pgbouncer.staging:6432/staging' },
    'db:*/reports/**': 'postgres://admin:s3cret@reports:5432/reports',
  }),
);

describe('PgTargets', () => {
  it('maps kind:env/id to the first target whose pattern matches, exact or glob', () => {
    expect(targets.find('db:prod/orders')?.name).toBe('db:prod/orders');
    expect(targets.find('db:staging/anything')?.name).toBe('db:staging/*');
    expect(targets.find('db:dev/reports/2026/daily')?.name).toBe('db:*/reports/**');
    expect(targets.find('db:prod/customers')).toBeUndefined();
    expect(targets.find('s3:prod/orders')).toBeUndefined();
  });

  it('hands out the client URL with the role and password, keeping host, port, database and parameters', () => {
    expect(targets.find('db:prod/orders')!.connectionString('cs_0123456789abcdef', 'pw_-x')).toBe(
      'postgres://cs_0123456789abcdef:pw_-x@db.internal:5432/orders?sslmode=require',
    );
    expect(targets.find('db:staging/x')!.connectionString('cs_0123456789abcdef', 'pw')).toBe('postgres://cs_0123456789abcdef:pw@pgbouncer.staging:6432/staging');
  });

  it('never shows an admin URL when printed, serialised or logged', () => {
    expect(JSON.stringify(targets.all)).not.toContain('s3cret');
    expect(inspect(targets.all, { depth: 5 })).not.toContain('s3cret');
    expect(`${String(targets.all[0])}`).not.toContain('s3cret');
  });

  it('reads BROKER_PG_TARGETS_FILE and names its problems without quoting URLs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-pg-'));
    try {
      await writeFile(join(dir, 'ok.json'), JSON.stringify({ 'db:prod/orders': 'postgres://a:s3cret@h:5432/d' }));
      expect((await PgTargets.fromFile(join(dir, 'ok.json'))).all.map((t) => t.name)).toEqual(['db:prod/orders']);
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ 'db:prod/orders': 'http://a:s3cret@h/d' }));
      const error = (await PgTargets.fromFile(join(dir, 'bad.json')).then(() => new Error('accepted'), (e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^BROKER_PG_TARGETS_FILE: .*bad\.json: db:prod\/orders/);
      expect(error.message).not.toContain('s3cret');
      await expect(PgTargets.fromFile(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
