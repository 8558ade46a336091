// Shared set-up of the policy service's integration specs (not a spec itself: vitest runs only
// *.unit/int/e2e.spec.ts). The service as main.ts builds it, on a private nats-server and a fresh database.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { SubjectFilters, type CountersignEvent } from '@countersign/contracts';
import { DevIssuer } from '@countersign/platform/auth';
import { applyMigrations } from '@countersign/platform/db';
import { createLogger, type Logger } from '@countersign/platform/logging';
import { connectNats, type NatsConnection } from '@countersign/platform/nats';
import { createTestDatabase, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { testEventKeys } from '@countersign/platform/event-keys';
import { createPolicyApp } from './bootstrap.js';
import { PolicyConfigSchema } from './config.js';

// Before any service boots: writes one event key per service and sets the *_EVENT_SIGNING_KEY_FILE / EVENT_KEYS_FILE variables.
testEventKeys();

export const DEMO_POLICY = join(dirname(fileURLToPath(import.meta.url)), '../../../policies/demo');

export interface PolicyHarness {
  app: INestApplication;
  baseUrl: string;
  nc: NatsConnection;
  sql: pg.Pool;
  issuer: DevIssuer;
  logger: Logger;
  /** The policy directory the service reads (a private copy, safe to edit). */
  policyDir: string;
  /** Every message seen on countersign.> by a plain subscriber, republished copies included. */
  seen: CountersignEvent[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  database: string;
  /** Files of the policy directory; default: a copy of the demo policy. */
  policyFiles?: Record<string, string>;
  env?: Record<string, string>;
}

export async function startPolicyHarness(opts: HarnessOptions): Promise<PolicyHarness> {
  const logger = createLogger(`${opts.database}-test`, 'silent');
  const [nats, db]: [RunningNats, TestDatabase] = await Promise.all([startNatsServer(), createTestDatabase(opts.database)]);
  await applyMigrations(db.url);
  const sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const nc = await connectNats({ url: nats.url, name: `${opts.database}-test` });
  const seen: CountersignEvent[] = [];
  const sub = nc.subscribe(SubjectFilters.all);
  void (async () => {
    for await (const m of sub) seen.push(m.json<CountersignEvent>());
  })();
  const work = await mkdtemp(join(tmpdir(), 'cs-policy-'));
  const policyDir = join(work, 'policy');
  if (opts.policyFiles) {
    await mkdir(policyDir);
    for (const [name, text] of Object.entries(opts.policyFiles)) await writeFile(join(policyDir, name), text);
  } else {
    await cp(DEMO_POLICY, policyDir, { recursive: true });
  }
  await writeFile(join(work, 'mask.key'), 'an-integration-test-masking-key-0123456789');
  const issuer = await DevIssuer.loadOrCreate(join(work, 'dev-issuer'));
  const config = PolicyConfigSchema.parse({
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    POLICY_DIR: policyDir,
    POLICY_MASK_KEY_FILE: join(work, 'mask.key'),
    DEV_ISSUER_ENABLED: 'true',
    DEV_ISSUER_JWKS_FILE: issuer.jwksFile,
    ...opts.env,
  });
  const app = await createPolicyApp(config, logger);
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  return {
    app,
    baseUrl,
    nc,
    sql,
    issuer,
    logger,
    policyDir,
    seen,
    async stop() {
      await app.close();
      await nc.drain();
      await sql.end();
      await nats.stop();
      await db.drop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
