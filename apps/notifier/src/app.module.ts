import { Module, type DynamicModule } from '@nestjs/common';
import type { PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { HealthController, NatsModule, postgresPing } from '@countersign/platform/nest';
import { Clock, IdGenerator, SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import type { NotifierConfig } from './config.js';
import { DatabaseModule, PRISMA } from './database/prisma.provider.js';
import { NotifyReviewers } from './notification/notify-reviewers/notify-reviewers.use-case.js';
import { ReviewRequestedHandler } from './notification/notify-reviewers/review-requested.handler.js';

export const SERVICE_NAME = 'notifier';

@Module({})
export class AppModule {
  static forRoot(config: NotifierConfig, deps: { logger: Logger }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: SERVICE_NAME, logger: deps.logger }),
        DatabaseModule.forRoot(config.DATABASE_URL),
      ],
      controllers: [HealthController, ReviewRequestedHandler],
      providers: [
        postgresPing(PRISMA, (prisma: PrismaClient) => prisma.$queryRaw`SELECT 1`),
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: UuidV7Generator },
        NotifyReviewers,
      ],
    };
  }
}
