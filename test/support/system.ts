// The whole system on a private NATS, a fresh database and free ports: for e2e tests.
//   const system = await startSystem();
//   const token = await system.token('ci-deployer');
//   await fetch(`${system.urls.intake}/v1/intents`, { ... });
//   await system.stop();
// Service output is captured (COUNTERSIGN_TEST_LOGS=inherit prints it live) and shown when one fails to boot.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevIssuer, loadDemoIdentities, type MintOptions } from '@countersign/platform/auth';
import { createTestDatabase, freePort, startNatsServer, type RunningNats, type TestDatabase } from '@countersign/testing';
import { launchSystem, prepareDatabase } from '../../scripts/launcher.mjs';

export type ServiceName = 'intake' | 'policy' | 'notifier' | 'broker' | 'audit' | 'console' | 'dev-idp';
export const SERVICES: readonly ServiceName[] = ['intake', 'policy', 'notifier', 'broker', 'audit', 'console', 'dev-idp'];

export interface StartSystemOptions {
  /** Extra environment for every service (e.g. short sweeper intervals). */
  env?: Record<string, string>;
  logs?: 'inherit' | 'pipe' | 'ignore';
}

export interface System {
  urls: Record<ServiceName, string>;
  natsUrl: string;
  databaseUrl: string;
  dataDir: string;
  devIssuerDir: string;
  nats: RunningNats;
  database: TestDatabase;
  /** A dev-issuer token for one of config/demo-identities.yaml (ci-deployer, alice, bob, carol, mallory, …). */
  token(identity: string, opts?: MintOptions): Promise<string>;
  /** The same claims, signed by a key the services do not trust (same issuer name): must get 401. */
  forgedToken(identity: string, opts?: MintOptions): Promise<string>;
  /** Stops one service (SIGKILL simulates a crash); the launcher does not restart it. */
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again (or stops and starts a running one) and waits for its /readyz. */
  restart(service: ServiceName): Promise<void>;
  /** The last lines a service printed. */
  output(service: ServiceName): string[];
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export async function startSystem(opts: StartSystemOptions = {}): Promise<System> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    // Best effort: one failed step must not keep the rest (a dropped database, a killed server) from running.
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const nats = await startNatsServer();
    cleanups.push(() => nats.stop());
    const database = await createTestDatabase('cs_e2e');
    cleanups.push(() => database.drop());
    await prepareDatabase(database.url);

    const dataDir = await mkdtemp(join(tmpdir(), 'cs-system-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const ports: Record<ServiceName, number> = {
      intake: await freePort(),
      policy: await freePort(),
      notifier: await freePort(),
      broker: await freePort(),
      audit: await freePort(),
      console: await freePort(),
      'dev-idp': await freePort(),
    };
    const launched = await launchSystem({
      natsUrl: nats.url,
      databaseUrl: database.url,
      dataDir,
      ports,
      env: { LOG_LEVEL: 'warn', ...opts.env },
      logs: opts.logs ?? (process.env['COUNTERSIGN_TEST_LOGS'] === 'inherit' ? 'inherit' : 'pipe'),
    });
    // Services first: they hold connections to the database that is dropped after them.
    cleanups.push(() => launched.stop());

    const issuer = await DevIssuer.loadOrCreate(launched.devIssuerDir);
    const forger = await DevIssuer.loadOrCreate(join(dataDir, 'forger'));
    const identities = await loadDemoIdentities(join(repoRoot, 'config', 'demo-identities.yaml'));
    const identity = (name: string) => {
      const found = identities.find((i) => i.name === name);
      if (!found) throw new Error(`no demo identity "${name}"; known: ${identities.map((i) => i.name).join(', ')}`);
      return found;
    };

    return {
      urls: launched.urls,
      natsUrl: nats.url,
      databaseUrl: database.url,
      dataDir,
      devIssuerDir: launched.devIssuerDir,
      nats,
      database,
      token: async (name, tokenOpts) => issuer.mint(identity(name), tokenOpts),
      forgedToken: async (name, tokenOpts) => forger.mint(identity(name), tokenOpts),
      kill: (service, signal) => launched.kill(service, signal),
      restart: (service) => launched.restart(service),
      output: (service) => launched.output(service),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
