import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { createPgPool } from '@countersign/platform/db';

export const PG_POOL = Symbol('PG_POOL');

@Injectable()
class PoolShutdown implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Audit speaks raw SQL through pg: the writer inserts hundreds of rows per statement (Prisma's
 * per-row cost shows there, STACK.md) and the readers stream pages in seq order.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string) {
    return {
      module: DatabaseModule,
      providers: [{ provide: PG_POOL, useFactory: () => createPgPool(databaseUrl) }, PoolShutdown],
      exports: [PG_POOL],
    };
  }
}
