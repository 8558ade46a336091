import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createPgPool } from '@countersign/platform/db';
import type pg from 'pg';

export const PG_POOL = Symbol('PG_POOL');

@Injectable()
class PoolShutdown implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * One raw pg pool per process: the classification loop is a hot path, where Prisma's per-query
 * overhead dominated. The connection string stays inside this module.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DatabaseModule,
      // One batch transaction at a time plus readiness probes: a few connections are plenty.
      providers: [{ provide: PG_POOL, useFactory: () => createPgPool(databaseUrl, { max: 4 }) }, PoolShutdown],
      exports: [PG_POOL],
    };
  }
}
