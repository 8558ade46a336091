import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { createPgPool } from '../db/index.js';

/** The process's raw pg pool: hot paths speak SQL directly (Prisma's per-query overhead, STACK.md). */
export const PG_POOL = Symbol('PG_POOL');

@Injectable()
class PoolShutdown implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}
  // A global module's hooks run after the feature modules' (which flush pending writes first).
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Global()
@Module({})
export class PgPoolModule {
  /** The connection string stays inside this module; `max` sizes the pool for the service's concurrency. */
  static forRoot(databaseUrl: string, opts: { max?: number } = {}): DynamicModule {
    return {
      module: PgPoolModule,
      providers: [{ provide: PG_POOL, useFactory: () => createPgPool(databaseUrl, opts) }, PoolShutdown],
      exports: [PG_POOL],
    };
  }
}
