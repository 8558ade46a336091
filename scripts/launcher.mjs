// The reusable half of `npm start`, shared with the system tests (test/support/system.ts):
// resolve NATS/Postgres, create demo keys and the dev issuer, run the five services, the dev identity
// provider and the console, wait for
// their /readyz, stop them.
import { join, resolve } from 'node:path';
import { ensureDemoKeys } from './lib/keys.mjs';
import { loadAuth, prepareDatabase, REPO_ROOT } from './lib/platform.mjs';
import { portIsFree } from './lib/probe.mjs';
import { DEFAULT_PORTS, LaunchError, SERVICE_NAMES, ServiceProcess, serviceEnv } from './lib/services.mjs';

export { DependencyError, DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, resolveDependencies } from './lib/dependencies.mjs';
export { ensureDemoKeys, ensureEd25519Key } from './lib/keys.mjs';
export { prepareDatabase, REPO_ROOT } from './lib/platform.mjs';
export { probeNats, probePostgres, redactUrl, freePort } from './lib/probe.mjs';
export { DEFAULT_PORTS, DEV_IDP_PASSWORD, LaunchError, SERVICE_NAMES } from './lib/services.mjs';

/**
 * @typedef {import('./lib/services.mjs').ServiceName} ServiceName
 * @typedef {{
 *   natsUrl: string,
 *   databaseUrl: string,
 *   dataDir: string,
 *   ports?: Partial<Record<ServiceName, number>>,
 *   env?: Record<string, string>,
 *   envByService?: Partial<Record<ServiceName, Record<string, string>>>,
 *   logs?: 'inherit' | 'pipe' | 'ignore',
 *   readyTimeoutMs?: number,
 *   onUnexpectedExit?: (service: ServiceName, code: number | null, signal: string | null) => void,
 * }} LaunchOptions
 * @typedef {{
 *   urls: Record<ServiceName, string>,
 *   devIssuerDir: string,
 *   devIssuerJwksFile: string,
 *   keyFiles: { broker: string, audit: string, events: Record<string, string>, eventKeys: string },
 *   stop(): Promise<void>,
 *   kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>,
 *   restart(service: ServiceName): Promise<void>,
 *   output(service: ServiceName): string[],
 *   pid(service: ServiceName): number | undefined,
 * }} LaunchedSystem
 */

/**
 * Creates (once) the demo signing keys and the dev issuer under `dataDir`.
 * @param {string} dataDir
 */
export async function prepareDataDir(dataDir) {
  const keys = await ensureDemoKeys(dataDir);
  const devIssuerDir = resolve(dataDir, 'dev-issuer');
  const { DevIssuer } = await loadAuth();
  await DevIssuer.loadOrCreate(devIssuerDir);
  return { ...keys, devIssuerDir, devIssuerJwksFile: join(devIssuerDir, 'jwks.json'), devIdpKeyFile: resolve(dataDir, 'dev-idp', 'signing.jwk.json') };
}

/**
 * Starts the five services, the dev identity provider and the console against an already reachable NATS and a migrated database
 * (see resolveDependencies and prepareDatabase) and resolves once every /readyz answers 200.
 * A service that exits without being asked to is reported through `onUnexpectedExit`; none is
 * restarted silently.
 * @param {LaunchOptions} opts
 * @returns {Promise<LaunchedSystem>}
 */
export async function launchSystem(opts) {
  const dataDir = resolve(opts.dataDir);
  const logs = opts.logs ?? 'inherit';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const prepared = await prepareDataDir(dataDir);
  const ports = { ...DEFAULT_PORTS, ...opts.ports };

  const busy = [];
  for (const name of SERVICE_NAMES) if (!(await portIsFree(ports[name]))) busy.push(`${name} (${ports[name]})`);
  if (busy.length) {
    throw new LaunchError(`port(s) already in use: ${busy.join(', ')}. Stop whatever listens there (another npm start?) and try again.`);
  }

  // The console is reached as localhost: WebAuthn (step-up passkeys) refuses IP addresses as relying party ids.
  const host = (/** @type {ServiceName} */ n) => (n === 'console' ? 'localhost' : '127.0.0.1');
  const urls = /** @type {Record<ServiceName, string>} */ (Object.fromEntries(SERVICE_NAMES.map((n) => [n, `http://${host(n)}:${ports[n]}`])));
  /** @type {Record<ServiceName, ServiceProcess>} */
  const services = /** @type {never} */ ({});
  for (const name of SERVICE_NAMES) {
    const env = serviceEnv(name, {
      natsUrl: opts.natsUrl,
      databaseUrl: opts.databaseUrl,
      port: ports[name],
      repoRoot: REPO_ROOT,
      devIssuerJwksFile: prepared.devIssuerJwksFile,
      brokerKeyFile: prepared.brokerKeyFile,
      auditKeyFile: prepared.auditKeyFile,
      eventKeyFiles: prepared.eventKeyFiles,
      eventKeysFile: prepared.eventKeysFile,
      maskKeyFile: prepared.maskKeyFile,
      devIdpKeyFile: prepared.devIdpKeyFile,
      urls,
      baseEnv: process.env,
      overrides: { ...opts.env, ...opts.envByService?.[name] },
    });
    services[name] = new ServiceProcess(name, {
      repoRoot: REPO_ROOT,
      port: ports[name],
      env: { ...process.env, ...env },
      logs,
      onUnexpectedExit: (svc, code, signal) => opts.onUnexpectedExit?.(svc, code, signal),
    });
  }

  const all = Object.values(services);
  // A launcher that dies (an uncaught error in a test, say) must not leave services behind.
  const killOnExit = () => all.forEach((s) => s.running && s.child?.kill('SIGKILL'));
  process.on('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(all.map((s) => s.stop('SIGTERM')));
    process.off('exit', killOnExit);
  };

  try {
    for (const s of all) s.start();
    await Promise.all(all.map((s) => s.waitReady(readyTimeoutMs)));
  } catch (error) {
    await stop();
    throw error;
  }

  /** @param {ServiceName} name */
  const get = (name) => {
    const s = services[name];
    if (!s) throw new LaunchError(`unknown service ${name}; one of ${SERVICE_NAMES.join(', ')}`);
    return s;
  };
  return {
    urls,
    devIssuerDir: prepared.devIssuerDir,
    devIssuerJwksFile: prepared.devIssuerJwksFile,
    keyFiles: { broker: prepared.brokerKeyFile, audit: prepared.auditKeyFile, events: prepared.eventKeyFiles, eventKeys: prepared.eventKeysFile },
    stop,
    kill: (name, signal = 'SIGTERM') => get(name).stop(signal, signal === 'SIGKILL' ? 0 : 10_000),
    restart: async (name) => {
      const s = get(name);
      await s.stop('SIGTERM');
      s.start();
      await s.waitReady(readyTimeoutMs);
    },
    output: (name) => [...get(name).lines],
    pid: (name) => get(name).child?.pid,
  };
}
