import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiErrorFilter, JetStreamTransport } from '@countersign/platform/nest';
import { AppModule } from './app.module.js';
import type { IntakeConfig } from './config.js';

/** 64 KiB: bodies above it are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;
export const DURABLE = 'intake';
export const KEEP_ALIVE_MS = 65_000;

/**
 * Builds the whole app (HTTP + the read-model consumer, started) without listening; main.ts and the
 * integration tests share this wiring. HTTP runs on Fastify: intake answers every submit and long-poll,
 * and express's routing and response layers were a tenth of its CPU per intent.
 */
export async function createIntakeApp(
  config: IntakeConfig,
  logger: Logger = createLogger('intake', config.LOG_LEVEL),
): Promise<NestFastifyApplication> {
  // INTAKE_EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE: intake signs what it publishes, verifies what it consumes.
  const eventKeys = EventKeyRing.fromEnv('intake');
  // Clients reuse connections between a submit and its long-polls. Node's 5 s idle close races with a
  // client reusing the socket under load (ECONNRESET on a non-retryable POST); a longer idle window,
  // as load balancers use, makes the server the side that rarely closes first.
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, keepAliveTimeout: KEEP_ALIVE_MS });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger, eventKeys), adapter, { bufferLogs: true });
  app.useLogger(new PinoNestLogger(logger));
  // Fastify's body refusals (bad JSON, too large) reach the filter too, wrapped by Nest's adapter.
  app.useGlobalFilters(new ApiErrorFilter(logger, app.getHttpAdapter()));
  app.getHttpServer().headersTimeout = KEEP_ALIVE_MS + 1_000;
  app.connectMicroservice({
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: DURABLE, serviceName: 'intake', logger, eventKeys }),
  });
  if (config.DEV_ISSUER_ENABLED) logger.warn('DEV_ISSUER_ENABLED=true: dev-issuer tokens are accepted (never in production)');
  await app.startAllMicroservices();
  return app;
}
