// The launcher runs before (and outside) any service, so it loads the platform library's build output.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** @param {'db' | 'auth'} sub */
async function load(sub) {
  const file = join(REPO_ROOT, 'libs', 'platform', 'dist', sub, 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return import(pathToFileURL(file).href);
}

/**
 * @returns {Promise<{
 *   ensureDatabase(databaseUrl: string): Promise<void>,
 *   applyMigrations(databaseUrl: string, opts?: { migrationsDir?: string, log?: (line: string) => void }): Promise<string[]>,
 * }>}
 */
export const loadDb = () => load('db');

/**
 * @typedef {{ mint(identity: unknown, opts?: { ttlSeconds?: number, audience?: string }): Promise<string> }} DevIssuerLike
 * @returns {Promise<{
 *   DevIssuer: { loadOrCreate(dir: string): Promise<DevIssuerLike> },
 *   loadDemoIdentities(file: string): Promise<Array<{ name?: string, id?: string, subject?: string } & Record<string, unknown>>>,
 * }>}
 */
export const loadAuth = () => load('auth');

/**
 * Creates the database when missing and applies every pending migration.
 * @param {string} databaseUrl
 * @param {(line: string) => void} [log]
 * @returns {Promise<string[]>} the migrations applied now
 */
export async function prepareDatabase(databaseUrl, log = () => {}) {
  const db = await loadDb();
  await db.ensureDatabase(databaseUrl);
  return db.applyMigrations(databaseUrl, { log });
}
