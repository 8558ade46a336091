import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError, resolveDependencies } from '../../scripts/lib/dependencies.mjs';
import { freePort, probeNats, probePostgres } from '../../scripts/lib/probe.mjs';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cs-deps-'));
  // Left 0700 on purpose: as root, the launcher must let the `postgres` user into it.
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('resolveDependencies', () => {
  it('starts nats-server and an embedded PostgreSQL when nothing answers at the defaults, and stops them', async () => {
    const [natsPort, pgPort] = [await freePort(), await freePort()];
    const log: string[] = [];
    const deps = await resolveDependencies({
      env: { PATH: process.env['PATH'] ?? '' },
      dataDir,
      log: (l: string) => log.push(l),
      defaults: { natsUrl: `nats://127.0.0.1:${natsPort}`, databaseUrl: `postgres://postgres@127.0.0.1:${pgPort}/cs_demo` },
    });
    try {
      expect(deps.started.map((d) => d.name)).toEqual(['nats-server', 'embedded PostgreSQL']);
      expect(await probeNats(deps.natsUrl)).toMatchObject({ ok: true, jetstream: true });
      expect(await probePostgres(deps.databaseUrl)).toEqual({ ok: true });
      expect(new URL(deps.databaseUrl).pathname).toBe('/cs_demo');
      expect(log.join('\n')).toContain('embedded PostgreSQL');
    } finally {
      await deps.stop();
    }
    expect(await probeNats(deps.natsUrl)).toMatchObject({ ok: false });
    expect(await probePostgres(deps.databaseUrl)).toMatchObject({ ok: false });
  });

  it('refuses an explicit NATS_URL that does not answer, naming it and the command that starts NATS', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const error = await resolveDependencies({ env: { NATS_URL: url }, dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toContain('nats-server -js');
  });

  it('refuses an explicit DATABASE_URL that does not answer without showing its password', async () => {
    const url = `postgres://app:hunter2@127.0.0.1:${await freePort()}/x`;
    const error = await resolveDependencies({
      env: { NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: url },
      dataDir,
      defaults: {},
    }).catch((e: unknown) => e);
    // The machine's NATS may be absent in some environments; either dependency error is about what we asked.
    expect(error).toBeInstanceOf(DependencyError);
    if ((error as DependencyError).dependency === 'PostgreSQL') {
      expect((error as Error).message).toContain('DATABASE_URL');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
