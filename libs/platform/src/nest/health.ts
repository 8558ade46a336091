import {
  Controller,
  Get,
  Inject,
  ServiceUnavailableException,
  type FactoryProvider,
  type InjectionToken,
} from '@nestjs/common';
import { checkNats, type NatsConnection } from '../nats/index.js';
import { NATS_CONNECTION } from './nats.module.js';

const POSTGRES_PING = Symbol('POSTGRES_PING');
const CHECK_TIMEOUT_MS = 2_000;

type Ping = () => Promise<unknown>;

async function answersWithin(ping: Ping, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
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

/** `/healthz` and `/readyz`, the same in every service. */
@Controller()
export class HealthController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(POSTGRES_PING) private readonly pingPostgres: Ping,
  ) {}

  /** Liveness: the process answers; dependencies are /readyz's business. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: NATS and Postgres both answer, so traffic sent here can be served. */
  @Get('readyz')
  async readyz() {
    const [nats, postgres] = await Promise.all([
      checkNats(this.nc, CHECK_TIMEOUT_MS),
      answersWithin(this.pingPostgres, CHECK_TIMEOUT_MS),
    ]);
    const checks = { nats: nats ? 'ok' : 'unreachable', postgres: postgres ? 'ok' : 'unreachable' };
    if (!nats || !postgres) throw new ServiceUnavailableException({ status: 'unavailable', checks });
    return { status: 'ready', checks };
  }
}

/**
 * How an app tells the shared health endpoints to ping its database (a pg pool or a Prisma client):
 * `controllers: [HealthController], providers: [postgresPing(PG_POOL, (pool: pg.Pool) => pool.query('SELECT 1'))]`.
 * The NATS connection comes from the global NatsModule.
 */
export function postgresPing<T>(dependency: InjectionToken, ping: (dep: T) => Promise<unknown>): FactoryProvider<Ping> {
  return { provide: POSTGRES_PING, inject: [dependency], useFactory: (dep: T): Ping => () => ping(dep) };
}
