import type { Logger } from '@countersign/platform/logging';
import pg from 'pg';
import { CredentialError } from '../credential-provider.js';
import type { PgTarget } from './postgres-targets.js';

/**
 * SQLSTATE class 42 (syntax or access rule: an unparsable type list, a privilege the admin cannot pass on)
 * means the target will not do this, whatever the retry; anything else (connection, authentication of
 * the admin, timeouts) may pass once an operator or the network fixes it.
 */
const REFUSALS = /^42/;

/**
 * Errors from a target as they may be logged and shown: Postgres's own messages name roles, and
 * connection errors can name hosts and users, so only the target's configured name and the SQLSTATE
 * (or the socket error code) survive.
 */
export function sanitized(error: unknown, target: PgTarget, doing: string): CredentialError {
  if (error instanceof CredentialError) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const tag = typeof code === 'string' && /^[A-Z0-9_]{2,32}$/.test(code) ? code : 'no error code';
  const reason = typeof code === 'string' && REFUSALS.test(code) ? 'refused' : 'unavailable';
  return new CredentialError(reason, `postgres target ${target.name}: ${doing} failed (${tag})`);
}

/** Admin connections to the targets: one small pool each, opened on first use. */
export class TargetAdmin {
  private readonly pools = new Map<string, pg.Pool>();
  private closed = false;

  constructor(private readonly logger: Logger) {}

  async run<T>(target: PgTarget, doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool(target).connect();
    } catch (error) {
      throw sanitized(error, target, 'connecting');
    }
    try {
      return await work(client);
    } catch (error) {
      throw sanitized(error, target, doing);
    } finally {
      client.release();
    }
  }

  async inTransaction<T>(target: PgTarget, doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(target, doing, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    // A job still running at shutdown must not open a pool that would keep the process alive.
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
  }

  private pool(target: PgTarget): pg.Pool {
    if (this.closed) throw new CredentialError('unavailable', `postgres target ${target.name}: broker is shutting down`);
    let pool = this.pools.get(target.name);
    if (!pool) {
      pool = new pg.Pool({
        connectionString: target.adminUrl,
        max: 2,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 5_000,
        statement_timeout: 5_000,
        application_name: 'countersign-broker',
      });
      // An idle connection dropped by the server must not crash the process; the next use reconnects.
      pool.on('error', (error) => this.logger.warn({ target: target.name, reason: sanitized(error, target, 'idle connection').message }, 'postgres target connection lost'));
      this.pools.set(target.name, pool);
    }
    return pool;
  }
}
