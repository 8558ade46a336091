import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { createPrismaClient, PrismaClient as PrismaClientToken, type PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import type { EventKeyRing } from '@countersign/platform/event-keys';
import { HealthController, NatsModule, PG_POOL, PgPoolModule, postgresPing } from '@countersign/platform/nest';
import { Clock, IdGenerator, SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import type { BrokerConfig } from './config.js';
import { GrantsModule } from './grants/grants.module.js';
import { BROKER_CONFIG, LOGGER } from './tokens.js';

export interface BrokerModuleOptions {
  config: BrokerConfig;
  logger: Logger;
  /** Tests move time forward to see grants expire. */
  clock?: Clock;
  eventKeys: EventKeyRing;
}

class PrismaShutdown implements OnApplicationShutdown {
  constructor(@Inject(PrismaClientToken) private readonly prisma: PrismaClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

@Global()
@Module({})
class CoreModule {
  static forRoot(opts: BrokerModuleOptions): DynamicModule {
    const providers = [
      { provide: BROKER_CONFIG, useValue: opts.config },
      { provide: LOGGER, useValue: opts.logger },
      { provide: Clock, useValue: opts.clock ?? new SystemClock() },
      { provide: IdGenerator, useValue: new UuidV7Generator() },
      { provide: PrismaClientToken, useFactory: () => createPrismaClient(opts.config.DATABASE_URL) },
      PrismaShutdown,
    ];
    return {
      module: CoreModule,
      imports: [
        NatsModule.forRoot({ url: opts.config.NATS_URL, name: 'broker', eventKeys: opts.eventKeys }),
        // One batch transaction at a time (plus the pre-check read): a few connections are plenty.
        PgPoolModule.forRoot(opts.config.DATABASE_URL, { max: 4 }),
      ],
      providers,
      exports: [BROKER_CONFIG, LOGGER, Clock, IdGenerator, PrismaClientToken],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(opts: BrokerModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(opts), GrantsModule],
      controllers: [HealthController],
      providers: [postgresPing(PG_POOL, (pool: pg.Pool) => pool.query('SELECT 1'))],
    };
  }
}
