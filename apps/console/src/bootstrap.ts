import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { AppModule } from './app.module.js';
import type { ConsoleConfig } from './config.js';
import { ConsoleErrorFilter } from './http/console-error.js';
import { securityHeaders } from './http/security-headers.js';

/** Builds the console without listening; main.ts and tests share it. */
export async function createConsoleApp(config: ConsoleConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), { bufferLogs: true, bodyParser: false });
  app.useLogger(new PinoNestLogger(logger));
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // Forms only, and small ones: a reason is at most 2000 characters.
  app.useBodyParser('urlencoded', { limit: '16kb', extended: false });
  app.useGlobalFilters(new ConsoleErrorFilter(logger));
  app.enableShutdownHooks();
  logger.info({ issuer: config.OIDC_ISSUER, policy: config.POLICY_URL, audit: config.AUDIT_URL }, 'console: sessions are kept in memory (one process; users sign in again after a restart)');
  return app;
}
