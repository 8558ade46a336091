import { Module, type DynamicModule } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from '@countersign/platform/logging';
import { HealthController, NatsModule, PG_POOL, PgPoolModule, postgresPing } from '@countersign/platform/nest';
import { Clock, IdGenerator, SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import { ClassifyIntents } from './classification/classify-intent/classify-intents.use-case.js';
import { IntentSubmittedHandler } from './classification/classify-intent/intent-submitted.handler.js';
import type { PolicyConfig } from './config.js';
import type { LoadedPolicy } from './policy-loading/load-policy/load-policy-dir.js';
import { PolicyStore } from './policy-loading/policy-store.js';

export const SERVICE_NAME = 'policy';

@Module({})
export class AppModule {
  /** The policy is loaded before Nest starts, so that an invalid policy fails boot with every problem listed. */
  static forRoot(config: PolicyConfig, deps: { logger: Logger; policy: LoadedPolicy }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: SERVICE_NAME, logger: deps.logger }),
        // One batch transaction at a time plus readiness probes: a few connections are plenty.
        PgPoolModule.forRoot(config.DATABASE_URL, { max: 4 }),
      ],
      controllers: [HealthController, IntentSubmittedHandler],
      providers: [
        postgresPing(PG_POOL, (pool: pg.Pool) => pool.query('SELECT 1')),
        { provide: PolicyStore, useValue: new PolicyStore(deps.policy) },
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: UuidV7Generator },
        ClassifyIntents,
      ],
    };
  }
}
