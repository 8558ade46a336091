// A TCP proxy in front of Postgres that counts what a client sends: statements (simple Query messages
// and extended-protocol Executes), round trips (a Query or a Sync waits for the server) and transactions
// (BEGIN). One proxy per service gives statements per intent per service without touching the services
// or the shared server's configuration (pg_stat_statements would need a preload and a restart).
import net from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** @param {{ host: string, port: number }} target */
export async function startPgCounter(target) {
  const counts = { statements: 0, roundTrips: 0, transactions: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let pending = Buffer.alloc(0);
    let startup = true;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (startup) {
          if (pending.length < 8) break;
          const len = pending.readInt32BE(0);
          if (pending.length < len) break;
          const code = pending.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
          pending = pending.subarray(len);
          continue;
        }
        if (pending.length < 5) break;
        const len = pending.readInt32BE(1);
        if (pending.length < len + 1) break;
        const type = String.fromCharCode(pending[0]);
        if (type === 'Q') {
          counts.statements++;
          counts.roundTrips++;
          if (/^\s*BEGIN/i.test(pending.toString('utf8', 5, Math.min(len + 1, 64)))) counts.transactions++;
        } else if (type === 'P') {
          // Parse: name\0 query\0 …; a BEGIN sent with parameters would show here.
          const nameEnd = pending.indexOf(0, 5);
          if (/^\s*BEGIN/i.test(pending.toString('utf8', nameEnd + 1, Math.min(len + 1, nameEnd + 60)))) counts.transactions++;
        } else if (type === 'E') counts.statements++;
        else if (type === 'S') counts.roundTrips++;
        pending = pending.subarray(len + 1);
      }
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    port: address.port,
    counts,
    snapshot: () => ({ ...counts }),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
