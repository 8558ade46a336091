import { Module, type DynamicModule } from '@nestjs/common';
import type pg from 'pg';
import { TokenVerifier, tokenVerifierConfigFromEnv } from '@countersign/platform/auth';
import type { Logger } from '@countersign/platform/logging';
import type { EventKeyRing } from '@countersign/platform/event-keys';
import { HealthController, NatsModule, PG_POOL, PgPoolModule, postgresPing } from '@countersign/platform/nest';
import { Clock, IdGenerator, SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import type { IntakeConfig } from './config.js';
import { INTAKE_CONFIG, LOGGER } from './infra/tokens.js';
import { IntentsModule } from './intents/intents.module.js';

/** Shared infrastructure for the feature modules: config, logger, database, clock, ids, token verifier. */
@Module({})
class CoreModule {
  static forRoot(config: IntakeConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      providers: [
        { provide: INTAKE_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: UuidV7Generator },
        {
          provide: TokenVerifier,
          useFactory: () => TokenVerifier.fromConfig(tokenVerifierConfigFromEnv(config)),
        },
      ],
      exports: [INTAKE_CONFIG, LOGGER, Clock, IdGenerator, TokenVerifier],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: IntakeConfig, logger: Logger, eventKeys: EventKeyRing): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger),
        // Every request and consumed batch is a handful of raw statements (Prisma's per-query cost was most of the latency).
        PgPoolModule.forRoot(config.DATABASE_URL, { max: 16 }),
        NatsModule.forRoot({ url: config.NATS_URL, name: 'intake', logger, eventKeys }),
        IntentsModule,
      ],
      controllers: [HealthController],
      providers: [postgresPing(PG_POOL, (pool: pg.Pool) => pool.query('SELECT 1'))],
    };
  }
}
