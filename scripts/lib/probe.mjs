import { connect as tcpConnect, createServer } from 'node:net';
import pg from 'pg';

/**
 * @typedef {{ ok: true, jetstream: boolean, version: string } | { ok: false, reason: string }} NatsProbe
 * @typedef {{ ok: true } | { ok: false, reason: string }} PostgresProbe
 */

/** @param {string} natsUrl first entry of a possibly comma-separated NATS_URL */
export function natsHostPort(natsUrl) {
  const first = (natsUrl.split(',')[0] ?? '').trim();
  const url = new URL(first.includes('://') ? first : `nats://${first}`);
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 4222) };
}

/**
 * A real protocol check, not just an open port: a NATS server greets every client with an INFO line,
 * which also tells whether JetStream is on (the services need it).
 * @param {string} natsUrl
 * @param {number} [timeoutMs]
 * @returns {Promise<NatsProbe>}
 */
export function probeNats(natsUrl, timeoutMs = 2000) {
  const { host, port } = natsHostPort(natsUrl);
  return new Promise((resolve) => {
    let buffer = '';
    const socket = tcpConnect({ host, port });
    const done = (/** @type {NatsProbe} */ result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no NATS greeting within ${timeoutMs} ms` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (e) => done({ ok: false, reason: e.message }));
    socket.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\r\n');
      if (end < 0) return;
      const line = buffer.slice(0, end);
      if (!line.startsWith('INFO ')) return done({ ok: false, reason: `not a NATS server (said ${JSON.stringify(line.slice(0, 40))})` });
      try {
        const info = JSON.parse(line.slice(5));
        done({ ok: true, jetstream: info.jetstream === true, version: String(info.version ?? '?') });
      } catch {
        done({ ok: false, reason: 'unreadable NATS INFO line' });
      }
    });
  });
}

/**
 * Connects for real. A missing database (3D000) still proves the server answers: ensureDatabase
 * creates it later.
 * @param {string} databaseUrl
 * @param {number} [timeoutMs]
 * @returns {Promise<PostgresProbe>}
 */
export async function probePostgres(databaseUrl, timeoutMs = 3000) {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    const e = /** @type {{ code?: string, message?: string }} */ (error);
    if (e.code === '3D000') return { ok: true };
    return { ok: false, reason: e.message || e.code || String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** @param {string} databaseUrl */
export function redactUrl(databaseUrl) {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>}
 */
export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** @param {string} [host] @returns {Promise<number>} */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(address.port));
    });
  });
}

/** @param {number} preferred @returns {Promise<number>} */
export async function preferredOrFreePort(preferred) {
  return (await portIsFree(preferred)) ? preferred : freePort();
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
