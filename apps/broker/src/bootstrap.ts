import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger } from '@countersign/platform/logging';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiErrorFilter, JetStreamTransport } from '@countersign/platform/nest';
import { AppModule, type BrokerModuleOptions } from './app.module.js';

export const BROKER_DURABLE = 'broker';

/** Builds the broker (HTTP + its JetStream consumer) without listening; main.ts and tests share it. */
export async function createBrokerApp(given: Omit<BrokerModuleOptions, 'eventKeys'>): Promise<NestExpressApplication> {
  // BROKER_EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE: the broker signs grant events, verifies approvals.
  const opts: BrokerModuleOptions = { ...given, eventKeys: EventKeyRing.fromEnv('broker') };
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(opts), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(opts.logger));
  // Requests here are tiny ({intentId} or a grant); a small limit keeps junk bodies cheap to refuse.
  app.useBodyParser('json', { limit: opts.config.HTTP_BODY_LIMIT });
  app.useGlobalFilters(new ApiErrorFilter(opts.logger));
  app.enableShutdownHooks();
  app.connectMicroservice({
    strategy: new JetStreamTransport({
      url: opts.config.NATS_URL,
      durable: BROKER_DURABLE,
      serviceName: 'broker',
      logger: opts.logger,
      eventKeys: opts.eventKeys,
    }),
  });
  await app.startAllMicroservices();
  return app;
}
