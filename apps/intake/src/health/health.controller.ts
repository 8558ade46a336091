import { Controller, Get, Inject } from '@nestjs/common';
import { checkNats, type NatsConnection } from '@countersign/platform/nats';
import { NATS_CONNECTION } from '@countersign/platform/nest';
import type pg from 'pg';
import { IntakeError } from '../errors/intake-error.js';
import { PG_POOL } from '../infra/tokens.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: NATS and Postgres both reachable, so traffic sent here can be served. */
  @Get('readyz')
  async readyz() {
    const [nats, postgres] = await Promise.all([
      checkNats(this.nc),
      this.pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    ]);
    if (!nats || !postgres) {
      throw new IntakeError('UNAVAILABLE', `not ready: nats ${nats ? 'up' : 'down'}, postgres ${postgres ? 'up' : 'down'}`);
    }
    return { status: 'ready', nats: 'up', postgres: 'up' };
  }
}
