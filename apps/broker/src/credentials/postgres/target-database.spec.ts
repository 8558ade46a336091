// A scratch target database for the Postgres provider's tests (not a test file itself: vitest runs
// *.unit.spec.ts and *.int.spec.ts): two tables, a table in another schema, functions with EXECUTE
// revoked from PUBLIC (as a hardened database has it), and helpers to connect as a minted role.
import { createTestDatabase, type TestDatabase } from '@countersign/testing';
import pg from 'pg';

export interface TargetDatabase extends TestDatabase {
  admin: pg.Client;
  /** Resolves with the connected client, or rejects with Postgres's refusal. */
  connectAs(connectionString: string): Promise<pg.Client>;
  role(name: string): Promise<{ rolcanlogin: boolean; rolconnlimit: number; rolinherit: boolean; rolvaliduntil: Date | null } | undefined>;
  sessions(role: string): Promise<number>;
}

export async function createTargetDatabase(): Promise<TargetDatabase> {
  const db = await createTestDatabase('cs_target');
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL);
    INSERT INTO orders VALUES (1, 10), (2, 32);
    CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
    INSERT INTO customers VALUES (1, 'ada@example.com');
    CREATE SCHEMA reports;
    CREATE TABLE reports.daily (day date PRIMARY KEY, orders int NOT NULL);
    INSERT INTO reports.daily VALUES ('2026-11-21', 2);
    -- SECURITY DEFINER: the function is the privileged operation; the credential may only call it.
    CREATE FUNCTION order_total(o int) RETURNS numeric LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS 'SELECT total FROM orders WHERE id = o';
    CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS 'SELECT count(*) FROM customers';
    CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
    CREATE FUNCTION twice(x text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT x || x';
    REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
  `);
  return {
    ...db,
    admin,
    connectAs: async (connectionString) => {
      const client = new pg.Client({ connectionString });
      // An unhandled 'error' (the backend terminated under us) would fail the whole test file.
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    role: async (name) => {
      const r = await admin.query('SELECT rolcanlogin, rolconnlimit, rolinherit, rolvaliduntil FROM pg_roles WHERE rolname = $1', [name]);
      return r.rows[0];
    },
    sessions: async (role) => {
      const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [role]);
      return r.rows[0].n as number;
    },
    drop: async () => {
      await admin.end();
      await db.drop();
    },
  };
}

/** Postgres's refusal (SQLSTATE) of a promise, or 'ok'. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => String((e as { code?: unknown }).code ?? (e as Error).message),
  );
}
