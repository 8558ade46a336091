#!/usr/bin/env node
// DEV ONLY: prints a token from the local dev issuer for one of config/demo-identities.yaml.
// Usage: node scripts/dev-token.mjs <identity> [--dir .data/dev-issuer] [--ttl 3600] [--audience countersign]
//        [--identities config/demo-identities.yaml]
// Needs the built platform lib (npm run build). Services accept these tokens only with DEV_ISSUER_ENABLED=true
// and DEV_ISSUER_JWKS_FILE=<dir>/jwks.json.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

function fail(message) {
  process.stderr.write(`dev-token: ${message}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      audience: { type: 'string', default: 'countersign' },
      identities: { type: 'string' },
    },
  });
} catch (error) {
  fail(error.message);
}
const { values, positionals } = parsed;
const name = positionals[0];
if (!name || positionals.length > 1) fail('usage: node scripts/dev-token.mjs <identity> [--dir DIR] [--ttl SECONDS]');
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 86_400) fail('--ttl must be a whole number of seconds in 1..86400');

let auth;
try {
  auth = await import(new URL('../libs/platform/dist/auth/index.js', import.meta.url).href);
} catch {
  fail('libs/platform is not built; run `npm run build` first');
}

// Defaults live under the repo root whatever the working directory; explicit paths follow the shell's cwd.
const identitiesFile = values.identities ? resolve(values.identities) : resolve(root, 'config/demo-identities.yaml');
const dir = values.dir ? resolve(values.dir) : resolve(root, '.data/dev-issuer');
const identities = await auth.loadDemoIdentities(identitiesFile);
const identity = identities.find((i) => i.name === name);
if (!identity) fail(`unknown identity "${name}"; known: ${identities.map((i) => i.name).join(', ')}`);

const issuer = await auth.DevIssuer.loadOrCreate(dir);
const token = await issuer.mint(identity, { ttlSeconds: ttl, audience: values.audience });
process.stdout.write(`${token}\n`);
