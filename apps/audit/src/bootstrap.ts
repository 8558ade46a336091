import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TokenVerifier } from '@countersign/platform/auth';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { ApiErrorFilter } from '@countersign/platform/nest';
import { AppModule } from './app.module.js';
import type { AuditConfig } from './config.js';
import { AuditSigningKey } from './signing/audit-signing-key.js';

/**
 * Builds the whole service without listening; main.ts and tests share it. The consumer starts with the
 * application (onApplicationBootstrap), i.e. on `app.init()` or `app.listen()`.
 */
export async function createAuditApp(
  config: AuditConfig,
  logger: Logger,
  overrides: { signingKey?: AuditSigningKey } = {},
): Promise<INestApplication> {
  const signingKey = overrides.signingKey ?? (await AuditSigningKey.fromFile(config.AUDIT_SIGNING_KEY_FILE));
  const verifier = await TokenVerifier.fromConfig({
    audience: config.AUTH_AUDIENCE,
    issuers: config.AUTH_ISSUERS,
    ...(config.DEV_ISSUER_ENABLED && config.DEV_ISSUER_JWKS_FILE ? { devIssuer: { jwksFile: config.DEV_ISSUER_JWKS_FILE } } : {}),
  });
  if (config.DEV_ISSUER_ENABLED) logger.warn('DEV ISSUER ENABLED: tokens minted by scripts/dev-token.mjs are trusted');
  logger.info({ kid: signingKey.kid }, 'audit signing key loaded');
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { logger, signingKey, verifier }),
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(new PinoNestLogger(logger));
  // Every endpoint here is a GET; anything larger than a small JSON body is not ours.
  app.useBodyParser('json', { limit: '16kb' });
  app.useGlobalFilters(new ApiErrorFilter(logger));
  app.enableShutdownHooks();
  return app;
}
