import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection URL here, not from schema.prisma. A fallback instead of env():
// `prisma generate` needs no database and must work without DATABASE_URL set.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/countersign',
  },
});
