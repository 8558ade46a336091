import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningNats {
  url: string;
  port: number;
  storeDir: string;
  /** The server's process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** Kills the server; keeps its store so that a restart sees the same streams. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store (for crash/restart tests). */
  restart(): Promise<void>;
  /** Kills it and deletes its store. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(address.port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A private nats-server with JetStream on a free port and its own store, so that a test's stream
 * (which must own `countersign.>`) never collides with a running system or another test file.
 */
export async function startNatsServer(binary = process.env['NATS_SERVER_BIN'] ?? 'nats-server'): Promise<RunningNats> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'cs-nats-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) =>
      child!.once('error', (e) => reject(new Error(`cannot start ${binary}: ${e.message}`))),
    );
    await Promise.race([waitForPort(port), failed]);
  };
  const kill = async () => {
    const c = child;
    // A process killed by a signal keeps exitCode null; signalCode says it is gone.
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child?.pid;
    },
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
