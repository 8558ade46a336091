import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient as GeneratedPrismaClient } from './generated/client.js';
import type * as Generated from './generated/internal/class.js';

export { Prisma };

/**
 * The generated client with default type arguments, declared here so that declaration emit in the
 * apps names it `@countersign/platform/db`'s PrismaClient: the generated one lives in
 * `generated/internal/…`, which no package export reaches (TS2742 "cannot be named").
 */
// A type alias would be resolved away and bring the error back; only an interface keeps the name.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-empty-interface
export interface PrismaClient extends Generated.PrismaClient {}
export const PrismaClient: new (options: Prisma.PrismaClientOptions) => PrismaClient = GeneratedPrismaClient;

/**
 * Prisma 7 talks to Postgres through the pg driver adapter (no native query engine). Every model is
 * schema-qualified by @@schema, so the URL needs no `search_path`.
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}
