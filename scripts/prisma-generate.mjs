#!/usr/bin/env node
// Generates the Prisma client into libs/platform/src/db/generated, offline, and skips the work when
// neither the schema nor the Prisma version changed since the last run (it runs on every build).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'prisma', 'schema');
const outDir = join(root, 'libs', 'platform', 'src', 'db', 'generated');
const stampFile = join(outDir, '.schema-hash');
const require = createRequire(import.meta.url);
const prismaPkg = require.resolve('prisma/package.json', { paths: [root] });
const prismaVersion = JSON.parse(readFileSync(prismaPkg, 'utf8')).version;

const hash = createHash('sha256').update(prismaVersion);
for (const file of [join(root, 'prisma.config.ts'), ...schemaFiles()]) {
  hash.update(file).update(readFileSync(file));
}
const digest = hash.digest('hex');

const force = process.argv.includes('--force');
if (!force && existsSync(join(outDir, 'client.ts')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest) {
  process.exit(0);
}

const env = {
  ...process.env,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  // generate never runs the schema engine but the CLI insists it exists (and would download it).
  PRISMA_SCHEMA_ENGINE_BINARY:
    process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? join(root, 'scripts', 'prisma', 'schema-engine-unavailable.mjs'),
};
const cli = join(dirname(prismaPkg), 'build', 'index.js');
const run = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
writeFileSync(stampFile, digest);

function schemaFiles() {
  return readdirSync(schemaDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.prisma'))
    .sort()
    .map((f) => join(schemaDir, f));
}
