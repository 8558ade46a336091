import type pg from 'pg';
import { CredentialError } from '../credential-provider.js';
import type { RequestedPrivilege } from './privilege.js';

/**
 * SQL run on a target. Every statement that names an identifier or a literal is built by the target's
 * own `format()` (%I quotes identifiers, %L literals) from names it has just read from its catalog or
 * that the broker generated, so nothing an intent says is ever spliced into SQL text.
 */

async function formatted(client: pg.PoolClient, template: string, ...values: string[]): Promise<void> {
  const { rows } = await client.query<{ sql: string }>('SELECT format($1::text, VARIADIC $2::text[]) AS sql', [template, values]);
  await client.query(one(rows).sql);
}

/** The single row a catalog lookup of this file returns (several or none were ruled out before). */
function one<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined) throw new Error('expected one row');
  return row;
}

export async function roleExists(client: pg.PoolClient, role: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return rows.length > 0;
}

/** Cannot log in until enabled; one connection at a time; no privilege of any other role. */
export async function createRole(client: pg.PoolClient, role: string, scramVerifier: string, validUntil: Date): Promise<void> {
  await formatted(
    client,
    'CREATE ROLE %I NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 1 PASSWORD %L VALID UNTIL %L',
    role,
    scramVerifier,
    validUntil.toISOString(),
  );
  // Explicit, so that it works where CONNECT was revoked from PUBLIC.
  await formatted(client, 'GRANT CONNECT ON DATABASE %I TO %I', await currentDatabase(client), role);
}

async function currentDatabase(client: pg.PoolClient): Promise<string> {
  const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
  return one(rows).db;
}

/** Grants the one privilege, after finding it in the catalog; refuses what the target does not have. */
export async function grantPrivilege(client: pg.PoolClient, role: string, privilege: RequestedPrivilege): Promise<void> {
  const statements = privilege.kind === 'table' ? await tableGrant(client, role, privilege) : await functionGrant(client, role, privilege);
  for (const sql of statements) await client.query(sql);
}

async function tableGrant(client: pg.PoolClient, role: string, p: RequestedPrivilege & { kind: 'table' }): Promise<string[]> {
  const { rows } = await client.query<{ usage: string; grant: string }>(
    `SELECT format('GRANT USAGE ON SCHEMA %I TO %I', n.nspname, $3::text) AS usage,
            format('GRANT SELECT ON TABLE %I.%I TO %I', n.nspname, c.relname, $3::text) AS grant
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [p.schema, p.name, role],
  );
  if (rows.length !== 1) throw new CredentialError('refused', 'the target has no such table');
  return [one(rows).usage, one(rows).grant];
}

async function functionGrant(client: pg.PoolClient, role: string, p: RequestedPrivilege & { kind: 'function' }): Promise<string[]> {
  // With argument types the target's own parser resolves the exact overload; without, the name must be unique.
  const where =
    p.argTypes === undefined
      ? 'n.nspname = $1 AND p.proname = $2'
      : "p.oid = to_regprocedure(format('%I.%I(%s)', $1::text, $2::text, $4::text))";
  const { rows } = await client.query<{ usage: string; grant: string }>(
    `SELECT format('GRANT USAGE ON SCHEMA %I TO %I', n.nspname, $3::text) AS usage,
            format('GRANT EXECUTE ON ROUTINE %I.%I(%s) TO %I', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), $3::text) AS grant
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${where} AND p.prokind IN ('f', 'p')`,
    p.argTypes === undefined ? [p.schema, p.name, role] : [p.schema, p.name, role, p.argTypes],
  );
  if (rows.length === 0) throw new CredentialError('refused', 'the target has no such function');
  if (rows.length > 1) throw new CredentialError('refused', 'the function name is overloaded on the target: give its argument types');
  return [one(rows).usage, one(rows).grant];
}

export async function enableLogin(client: pg.PoolClient, role: string, validUntil: Date): Promise<void> {
  await formatted(client, 'ALTER ROLE %I LOGIN VALID UNTIL %L', role, validUntil.toISOString());
}

export async function disableLogin(client: pg.PoolClient, role: string): Promise<void> {
  await formatted(client, 'ALTER ROLE %I NOLOGIN', role);
}

export interface RoleState {
  canLogin: boolean;
  sessions: number;
}

export async function roleState(client: pg.PoolClient, role: string): Promise<RoleState | undefined> {
  const { rows } = await client.query<RoleState>(
    `SELECT r.rolcanlogin AS "canLogin",
            (SELECT count(*)::int FROM pg_stat_activity a WHERE a.usename = r.rolname) AS sessions
       FROM pg_roles r WHERE r.rolname = $1`,
    [role],
  );
  return rows[0];
}

/** Roles with the broker's name shape whose VALID UNTIL (the grant's expiry, or an earlier end) is before `before`. */
export async function rolesValidUntilBefore(client: pg.PoolClient, before: Date): Promise<string[]> {
  const { rows } = await client.query<{ role: string }>(
    `SELECT rolname AS role FROM pg_roles WHERE rolname ~ '^cs_[0-9a-f]{16}$' AND rolvaliduntil < $1::timestamptz ORDER BY rolname`,
    [before.toISOString()],
  );
  return rows.map((r) => r.role);
}

/** undefined_object: another copy of broker dropped the role between our check and our DROP. */
const ALREADY_GONE = '42704';

/** Ends the role's sessions, then removes its privileges and the role. Nothing if it is already gone. */
export async function dropRole(client: pg.PoolClient, role: string): Promise<void> {
  if (!(await roleExists(client, role))) return;
  await client.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [role]);
  await client.query('BEGIN');
  try {
    // DROP OWNED also revokes what was granted to the role in this database and on the database itself.
    await formatted(client, 'DROP OWNED BY %I', role);
    await formatted(client, 'DROP ROLE %I', role);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: unknown }).code === ALREADY_GONE) return;
    throw error;
  }
}
