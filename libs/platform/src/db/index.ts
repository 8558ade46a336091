export { PrismaClient, Prisma, createPrismaClient } from './prisma-client.js';
export { createPgPool, type PgPoolOptions } from './pg-pool.js';
export { ensureDatabase } from './ensure-database.js';
export {
  applyMigrations,
  defaultMigrationsDir,
  MigrationError,
  type ApplyMigrationsOptions,
} from './migrations.js';
export {
  processOnce,
  PROCESSED_EVENT_SCHEMAS,
  type ProcessedEventSchema,
  type ProcessOnceKey,
  type ProcessOnceResult,
  type ProcessOnceOptions,
} from './process-once.js';
export { processOnceBatch, type ProcessOnceBatchKey, type ProcessOnceBatchResult } from './process-once-batch.js';
export { PgOutbox, OUTBOX_SCHEMAS, type OutboxSchema, type PgOutboxOptions } from './pg-outbox.js';
export { inTransaction } from './pg-transaction.js';
