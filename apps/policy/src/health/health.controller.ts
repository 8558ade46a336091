import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { checkNats, type NatsConnection } from '@countersign/platform/nats';
import { NATS_CONNECTION } from '@countersign/platform/nest';
import type pg from 'pg';
import { PG_POOL } from '../database/database.module.js';

const CHECK_TIMEOUT_MS = 2_000;

async function postgresAnswers(ping: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch {
    // The reason stays out of the response: driver errors can carry hosts and user names.
    return false;
  } finally {
    clearTimeout(timer);
  }
}

@Controller()
export class HealthController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  /** Liveness: the process answers; dependencies are /readyz's business. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz() {
    const [nats, postgres] = await Promise.all([
      checkNats(this.nc, CHECK_TIMEOUT_MS),
      postgresAnswers(() => this.pool.query('SELECT 1')),
    ]);
    const checks = { nats: nats ? 'ok' : 'unreachable', postgres: postgres ? 'ok' : 'unreachable' };
    if (!nats || !postgres) throw new ServiceUnavailableException({ status: 'unavailable', checks });
    return { status: 'ready', checks };
  }
}
