#!/usr/bin/env node
// Creates the demo signing keys and the dev issuer in a data directory, then exits.
// docker-compose.yml runs it once (`init` service) so the services can mount the keys read-only.
// Usage: node scripts/lib/prepare-data.mjs [dir]   (default .data under the repo root)
import { resolve } from 'node:path';
import { prepareDataDir, REPO_ROOT } from '../launcher.mjs';

const dir = resolve(process.argv[2] ?? resolve(REPO_ROOT, '.data'));
const prepared = await prepareDataDir(dir);
process.stdout.write(
  `data directory ${dir}: broker key ${prepared.brokerKeyFile}, audit key ${prepared.auditKeyFile}, ` +
    `masking key ${prepared.maskKeyFile}, event keys ${prepared.eventKeysFile}, ` +
    `dev issuer JWKS ${prepared.devIssuerJwksFile}${prepared.created.length ? ` (created ${prepared.created.length} key(s))` : ''}\n`,
);
