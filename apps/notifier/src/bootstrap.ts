import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { JetStreamTransport } from '@countersign/platform/nest';
import { AppModule, SERVICE_NAME } from './app.module.js';
import type { NotifierConfig } from './config.js';

/** Builds the whole service (HTTP + JetStream consumer) without listening; main.ts and tests share it. */
export async function createNotifierApp(config: NotifierConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logger }), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  // Chat callbacks (a later issue) will need their raw body for signature checks; today only health lives here.
  app.useBodyParser('json', { limit: '16kb' });
  app.enableShutdownHooks();
  app.connectMicroservice({
    // Pull several messages per request (still handled one at a time, in order): saves a round trip per event.
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: SERVICE_NAME, serviceName: SERVICE_NAME, logger, batchSize: 32 }),
  });
  await app.startAllMicroservices();
  return app;
}
