import pg from 'pg';

export interface PgPoolOptions {
  max?: number;
}

/** A plain pg pool for raw, batched SQL on hot paths, where Prisma's per-row overhead shows. */
export function createPgPool(databaseUrl: string, opts: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.max ?? 10 });
  // An idle client losing its connection emits on the pool; without a listener Node would crash.
  pool.on('error', () => undefined);
  return pool;
}
