import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// What an operator sees when a variable is wrong: the process exits 1 at once, naming every bad
// variable, before it touches NATS or Postgres — and without a stack trace.
function boot(service: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, [`${root}apps/${service}/dist/main.js`], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('a service with a bad configuration', () => {
  it.each([
    ['policy', {}, ['POLICY_DIR', 'POLICY_MASK_KEY_FILE']],
    // Past config, before NATS or Postgres: a masking key that cannot be read is named, never printed.
    ['policy', { POLICY_DIR: `${root}policies/demo`, POLICY_MASK_KEY_FILE: '/nonexistent/mask.key' }, ['POLICY_MASK_KEY_FILE /nonexistent/mask.key cannot be read']],
    ['broker', { PORT: 'eighty' }, ['BROKER_SIGNING_KEY_FILE', 'PORT']],
    ['audit', { AUTH_ISSUERS: '{not json' }, ['AUDIT_SIGNING_KEY_FILE', 'AUTH_ISSUERS']],
    // Cross-field rules run once the fields themselves parse (zod), so this one is reported on its own.
    ['audit', { AUDIT_SIGNING_KEY_FILE: '/k.pem', DEV_ISSUER_ENABLED: 'true' }, ['DEV_ISSUER_JWKS_FILE']],
    ['intake', { NATS_URL: 'not a url' }, ['NATS_URL']],
    // The event keys are read while the app is built, still before NATS or Postgres.
    ['intake', {}, ['INTAKE_EVENT_SIGNING_KEY_FILE: required', 'EVENT_KEYS_FILE: required']],
    ['broker', { BROKER_SIGNING_KEY_FILE: `${root}package.json`, BROKER_EVENT_SIGNING_KEY_FILE: '/nonexistent/broker-events.pem', EVENT_KEYS_FILE: '/nonexistent/keys.json' }, ['BROKER_EVENT_SIGNING_KEY_FILE: cannot read /nonexistent/broker-events.pem (ENOENT)']],
  ] as Array<[string, Record<string, string>, string[]]>)('%s exits 1 naming each bad variable', (service, env, names) => {
    const { status, output } = boot(service, env);
    expect(status).toBe(1);
    for (const name of names) expect(output).toContain(name);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
