#!/usr/bin/env node
// Committed, unlike dist/, so that npm links `countersign` at install time, before the first build.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('error: the countersign CLI is not built yet; run `npm run build` first\n');
  process.exit(70);
}
await import(main.href);
