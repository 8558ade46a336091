#!/usr/bin/env node
// Applies prisma/migrations to DATABASE_URL (creating the database first), recording them in
// _prisma_migrations exactly as `prisma migrate deploy` would. Needs `npm run build` first.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'libs', 'platform', 'dist', 'db', 'index.js');
if (!existsSync(dist)) {
  console.error('libs/platform is not built: run `npm run build` first.');
  process.exit(1);
}
const { applyMigrations, ensureDatabase } = await import(pathToFileURL(dist).href);

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/countersign';
const target = new URL(url);
// Names the target without its credentials.
const where = `${target.hostname}:${target.port || 5432}${target.pathname}`;
try {
  await ensureDatabase(url);
  const applied = await applyMigrations(url, {
    migrationsDir: join(root, 'prisma', 'migrations'),
    log: (line) => console.log(`[migrate ${where}] ${line}`),
  });
  console.log(`[migrate ${where}] done, ${applied.length} applied`);
} catch (err) {
  console.error(`[migrate ${where}] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
