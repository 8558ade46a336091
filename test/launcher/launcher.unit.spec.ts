import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AuditConfigSchema } from '../../apps/audit/src/config.js';
import { BrokerConfigSchema } from '../../apps/broker/src/config.js';
import { ConsoleConfigSchema } from '../../apps/console/src/config.js';
import { DevIdpConfigSchema } from '../../apps/dev-idp/src/config.js';
import { IntakeConfigSchema } from '../../apps/intake/src/config.js';
import { NotifierConfigSchema } from '../../apps/notifier/src/config.js';
import { PolicyConfigSchema } from '../../apps/policy/src/config.js';
import { EventKeyRing, signingKeyVariable } from '@countersign/platform/event-keys';
import { ensureDemoKeys, ensureEd25519Key, EVENT_SIGNERS } from '../../scripts/lib/keys.mjs';
import { natsHostPort, probeNats, redactUrl } from '../../scripts/lib/probe.mjs';
import { SERVICE_NAMES, serviceEnv } from '../../scripts/lib/services.mjs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-launcher-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo keys', () => {
  it('creates an owner-only Ed25519 PKCS8 key once and keeps it afterwards', async () => {
    const file = join(dir, 'k.pem');
    expect((await ensureEd25519Key(file)).created).toBe(true);
    const pem = await readFile(file, 'utf8');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('ed25519');
    const data = Buffer.from('chain entry');
    expect(verify(null, data, createPublicKey(key), sign(null, data, key))).toBe(true);

    expect((await ensureEd25519Key(file)).created).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(pem);
  });

  it('gives broker and audit different keys', async () => {
    const keys = await ensureDemoKeys(dir);
    expect(await readFile(keys.brokerKeyFile, 'utf8')).not.toBe(await readFile(keys.auditKeyFile, 'utf8'));
  });

  it('creates one event signing key per service and a keys file every service loads, stable across runs', async () => {
    const keys = await ensureDemoKeys(dir);
    const pems = await Promise.all(EVENT_SIGNERS.map((s) => readFile(keys.eventKeyFiles[s]!, 'utf8')));
    expect(new Set(pems).size).toBe(EVENT_SIGNERS.length);
    const file = await readFile(keys.eventKeysFile, 'utf8');
    expect(JSON.parse(file).keys.map((k: { service: string }) => k.service)).toEqual([...EVENT_SIGNERS]);
    expect(file).not.toContain('PRIVATE');
    // What each service does at boot: its own key, listed under its own name, in the file.
    for (const service of EVENT_SIGNERS) {
      const ring = EventKeyRing.fromEnv(service, { [signingKeyVariable(service)]: keys.eventKeyFiles[service], EVENT_KEYS_FILE: keys.eventKeysFile });
      expect(ring.service).toBe(service);
    }
    const again = await ensureDemoKeys(dir);
    expect(again.created).toEqual([]);
    expect(await readFile(again.eventKeysFile, 'utf8')).toBe(file);
  });
});

describe('service environment', () => {
  const schemas: Record<string, z.ZodType> = {
    intake: IntakeConfigSchema,
    policy: PolicyConfigSchema,
    notifier: NotifierConfigSchema,
    broker: BrokerConfigSchema,
    audit: AuditConfigSchema,
    console: ConsoleConfigSchema,
    'dev-idp': DevIdpConfigSchema,
  };
  const ctx = {
    natsUrl: 'nats://127.0.0.1:4299',
    databaseUrl: 'postgres://postgres@127.0.0.1:5499/cs',
    port: 4001,
    repoRoot: '/repo',
    devIssuerJwksFile: '/data/dev-issuer/jwks.json',
    brokerKeyFile: '/data/keys/broker-signing.pem',
    auditKeyFile: '/data/keys/audit-signing.pem',
    maskKeyFile: '/data/keys/policy-mask.key',
    eventKeyFiles: Object.fromEntries(EVENT_SIGNERS.map((s) => [s, `/data/keys/${s}-events.pem`])),
    eventKeysFile: '/data/keys/event-keys.json',
    baseEnv: {},
    overrides: {},
  };

  it.each(SERVICE_NAMES)('%s gets an environment its config schema accepts', (name) => {
    const env = serviceEnv(name, ctx);
    const parsed = (schemas[name] as z.ZodType).safeParse(env);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(env).toMatchObject({ PORT: '4001' });
    if (name !== 'console' && name !== 'dev-idp') {
      expect(env).toMatchObject({ NATS_URL: ctx.natsUrl, DATABASE_URL: ctx.databaseUrl });
      expect(env).toMatchObject({ [signingKeyVariable(name)]: `/data/keys/${name}-events.pem`, EVENT_KEYS_FILE: ctx.eventKeysFile });
    } else {
      expect(Object.keys(env).filter((k) => k.includes('EVENT'))).toEqual([]);
    }
  });

  it('has the token services trust the dev identity provider, and points the console at it and at the APIs', () => {
    const urls = { 'dev-idp': 'http://127.0.0.1:4007', console: 'http://127.0.0.1:4006', policy: 'http://127.0.0.1:4002', audit: 'http://127.0.0.1:4005' };
    const operator = [{ issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks' }];
    const audit = serviceEnv('audit', { ...ctx, urls, baseEnv: { AUTH_ISSUERS: JSON.stringify(operator) } });
    expect(JSON.parse(audit.AUTH_ISSUERS)).toEqual([...operator, { issuer: urls['dev-idp'], jwksUri: `${urls['dev-idp']}/jwks` }]);
    expect(serviceEnv('dev-idp', { ...ctx, urls })).toMatchObject({ DEV_IDP_ISSUER: urls['dev-idp'], DEV_IDP_REDIRECT_URIS: `${urls.console}/auth/callback` });
    expect(serviceEnv('console', { ...ctx, urls })).toMatchObject({ OIDC_ISSUER: urls['dev-idp'], POLICY_URL: urls.policy, AUDIT_URL: urls.audit, CONSOLE_PUBLIC_URL: urls.console });
  });

  it('makes the console the WebAuthn relying party of policy (by host name) and the link target of chat step-up messages', () => {
    const urls = { console: 'http://localhost:4006' };
    expect(serviceEnv('policy', { ...ctx, urls })).toMatchObject({ POLICY_WEBAUTHN_RP_ID: 'localhost', POLICY_WEBAUTHN_ORIGINS: 'http://localhost:4006' });
    expect(serviceEnv('notifier', { ...ctx, urls })).toMatchObject({ CONSOLE_PUBLIC_URL: 'http://localhost:4006' });
    // npm start's defaults: the console as localhost, since browsers refuse IP addresses as relying party ids.
    expect(serviceEnv('policy', ctx)).toMatchObject({ POLICY_WEBAUTHN_RP_ID: 'localhost', POLICY_WEBAUTHN_ORIGINS: 'http://localhost:3006' });
  });

  it('turns the dev issuer on only for the services that verify tokens', () => {
    expect(serviceEnv('intake', ctx)).toMatchObject({ DEV_ISSUER_ENABLED: 'true', DEV_ISSUER_JWKS_FILE: ctx.devIssuerJwksFile });
    expect(serviceEnv('notifier', ctx)).not.toHaveProperty('DEV_ISSUER_ENABLED');
    expect(serviceEnv('policy', ctx)).toMatchObject({
      DEV_ISSUER_ENABLED: 'true',
      POLICY_DIR: '/repo/policies/demo',
      POLICY_MASK_KEY_FILE: ctx.maskKeyFile,
    });
  });

  it('lets the operator and the caller override values', () => {
    const env = serviceEnv('broker', { ...ctx, baseEnv: { AUTH_AUDIENCE: 'mine' }, overrides: { LOG_LEVEL: 'warn' } });
    expect(env).toMatchObject({ AUTH_AUDIENCE: 'mine', LOG_LEVEL: 'warn', BROKER_SIGNING_KEY_FILE: ctx.brokerKeyFile });
  });
});

describe('probes', () => {
  let fake: Server;
  let port: number;
  beforeAll(async () => {
    // Something listens, but it is not NATS: an open port alone must not count.
    fake = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    port = (fake.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => fake.close(() => r())));

  it('refuses a server that does not greet with INFO', async () => {
    const result = await probeNats(`nats://127.0.0.1:${port}`);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('not a NATS server') });
  });

  it('reads host and port from NATS_URL forms', () => {
    expect(natsHostPort('nats://10.0.0.1:4333,nats://10.0.0.2:4333')).toEqual({ host: '10.0.0.1', port: 4333 });
    expect(natsHostPort('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 4222 });
  });

  it('never prints a database password', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/cs')).toBe('postgres://app:***@db:5432/cs');
  });
});
