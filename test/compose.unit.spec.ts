import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AuditConfigSchema } from '../apps/audit/src/config.js';
import { BrokerConfigSchema } from '../apps/broker/src/config.js';
import { ConsoleConfigSchema } from '../apps/console/src/config.js';
import { DevIdpConfigSchema } from '../apps/dev-idp/src/config.js';
import { IntakeConfigSchema } from '../apps/intake/src/config.js';
import { NotifierConfigSchema } from '../apps/notifier/src/config.js';
import { PolicyConfigSchema } from '../apps/policy/src/config.js';

interface ComposeService {
  build?: { context?: string; dockerfile?: string } | string;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
}

const root = fileURLToPath(new URL('..', import.meta.url));
// Merge keys (`<<: *app`) are YAML 1.1; docker compose honours them, so the test must too.
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

const schemas: Record<string, z.ZodType> = {
  intake: IntakeConfigSchema,
  policy: PolicyConfigSchema,
  notifier: NotifierConfigSchema,
  broker: BrokerConfigSchema,
  audit: AuditConfigSchema,
};

function service(name: string): ComposeService {
  const svc = compose.services[name];
  if (!svc) throw new Error(`docker-compose.yml has no service ${name}`);
  return svc;
}

function environmentOf(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Variables the schema cannot default: the issue paths of parsing an empty environment. */
function requiredVariables(schema: z.ZodType): string[] {
  const result = schema.safeParse({});
  return result.success ? [] : [...new Set(result.error.issues.map((i) => String(i.path[0])))];
}

describe('docker-compose.yml', () => {
  it.each(Object.keys(schemas))('%s is built from the one Dockerfile and runs its own dist/main.js', (name) => {
    const svc = service(name);
    const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
    expect(build?.context).toBe('.');
    expect(build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    const command = Array.isArray(svc.command) ? svc.command.join(' ') : svc.command;
    expect(command).toBe(`node apps/${name}/dist/main.js`);
  });

  it.each(Object.keys(schemas))('%s has a /readyz healthcheck and waits for healthy dependencies', (name) => {
    const svc = service(name);
    const test = Array.isArray(svc.healthcheck?.test) ? svc.healthcheck.test.join(' ') : svc.healthcheck?.test;
    expect(test).toContain('/readyz');
    expect(svc.depends_on).toMatchObject({
      nats: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
  });

  it.each(Object.keys(schemas))('%s sets every variable its config schema requires, and the set parses', (name) => {
    const schema = schemas[name] as z.ZodType;
    const env = environmentOf(service(name));
    const required = requiredVariables(schema);
    for (const variable of required) expect(env, `${name} needs ${variable}`).toHaveProperty(variable);
    expect(env).toMatchObject({ PORT: expect.any(String), NATS_URL: 'nats://nats:4222' });
    const parsed = schema.safeParse(env);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  });

  it('knows the required variables it checks (the schemas are not all-default)', () => {
    expect(requiredVariables(PolicyConfigSchema)).toEqual(expect.arrayContaining(['POLICY_DIR', 'POLICY_MASK_KEY_FILE']));
    expect(requiredVariables(BrokerConfigSchema)).toContain('BROKER_SIGNING_KEY_FILE');
    expect(requiredVariables(AuditConfigSchema)).toContain('AUDIT_SIGNING_KEY_FILE');
  });

  it.each([
    ['console', ConsoleConfigSchema],
    ['dev-idp', DevIdpConfigSchema],
  ] as const)('%s runs its own dist/main.js with a /readyz healthcheck and an environment that parses', (name, schema) => {
    const svc = service(name);
    expect(Array.isArray(svc.command) ? svc.command.join(' ') : svc.command).toBe(`node apps/${name}/dist/main.js`);
    expect(JSON.stringify(svc.healthcheck?.test)).toContain('/readyz');
    const parsed = (schema as z.ZodType).safeParse(environmentOf(svc));
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  });

  it('has the services trust the dev identity provider the console signs in with', () => {
    const idp = environmentOf(service('dev-idp'))['DEV_IDP_ISSUER'];
    expect(environmentOf(service('console'))['OIDC_ISSUER']).toBe(idp);
    for (const name of ['intake', 'policy', 'broker', 'audit']) {
      expect(JSON.parse(environmentOf(service(name))['AUTH_ISSUERS'] ?? '[]')).toContainEqual({ issuer: idp, jwksUri: `${idp}/jwks` });
    }
  });

  it.each(Object.keys(schemas))('%s gets its own event signing key and the shared event keys file from the init volume', (name) => {
    expect(environmentOf(service(name))).toMatchObject({
      [`${name.toUpperCase()}_EVENT_SIGNING_KEY_FILE`]: `/app/.data/keys/${name}-events.pem`,
      EVENT_KEYS_FILE: '/app/.data/keys/event-keys.json',
    });
  });

  it('runs NATS with JetStream on a volume, Postgres, the migrator and Jaeger with health checks', () => {
    const { nats, postgres, migrate, jaeger } = compose.services;
    expect(String(nats?.command)).toContain('-js');
    expect(nats?.healthcheck?.test).toEqual(expect.arrayContaining([expect.stringContaining(':8222/healthz')]));
    expect(postgres?.image).toMatch(/^postgres:16/);
    expect(JSON.stringify(postgres?.healthcheck?.test)).toContain('pg_isready');
    expect(migrate?.command).toEqual(['node', 'scripts/migrate.mjs']);
    expect(jaeger?.image).toMatch(/jaegertracing\/all-in-one/);
    for (const name of Object.keys(schemas)) {
      expect(environmentOf(service(name))).toMatchObject({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      });
    }
  });
});
