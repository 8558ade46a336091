import { Inject, Injectable, type FactoryProvider, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { createPgPool } from '@countersign/platform/db';
import type { IntakeConfig } from '../config.js';
import { INTAKE_CONFIG, PG_POOL } from './tokens.js';

/**
 * Intake speaks raw SQL through pg on every path: each request and each consumed batch is a handful of
 * statements, and Prisma's per-query overhead (~2-3 ms of CPU) was most of the latency.
 */
export const pgPoolProvider: FactoryProvider<pg.Pool> = {
  provide: PG_POOL,
  useFactory: (cfg: IntakeConfig) => createPgPool(cfg.DATABASE_URL, { max: 16 }),
  inject: [INTAKE_CONFIG],
};

/**
 * Ends the pool. It lives in the global core module, whose shutdown hooks Nest runs after the feature
 * modules' (which flush their pending writes), and after HTTP and the consumer have stopped.
 */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
