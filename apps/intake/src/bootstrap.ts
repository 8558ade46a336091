import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiErrorFilter, JetStreamTransport } from '@countersign/platform/nest';
import { AppModule } from './app.module.js';
import type { IntakeConfig } from './config.js';

export const BODY_LIMIT = '64kb';
export const DURABLE = 'intake';
export const KEEP_ALIVE_MS = 65_000;

/**
 * Builds the whole app (HTTP + the read-model consumer, started) without listening; main.ts and the
 * integration tests share this wiring.
 */
export async function createIntakeApp(
  config: IntakeConfig,
  logger: Logger = createLogger('intake', config.LOG_LEVEL),
): Promise<NestExpressApplication> {
  // INTAKE_EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE: intake signs what it publishes, verifies what it consumes.
  const eventKeys = EventKeyRing.fromEnv('intake');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger, eventKeys), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  app.disable('x-powered-by');
  // Body-parser failures (too large, not JSON) reach ApiErrorFilter as HttpExceptions.
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useGlobalFilters(new ApiErrorFilter(logger));
  // Clients reuse connections between a submit and its long-polls. Node's 5 s idle close races with a
  // client reusing the socket under load (ECONNRESET on a non-retryable POST); a longer idle window,
  // as load balancers use, makes the server the side that rarely closes first.
  const server = app.getHttpServer();
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  app.connectMicroservice({
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: DURABLE, serviceName: 'intake', logger, eventKeys }),
  });
  if (config.DEV_ISSUER_ENABLED) logger.warn('DEV_ISSUER_ENABLED=true: dev-issuer tokens are accepted (never in production)');
  await app.startAllMicroservices();
  return app;
}
