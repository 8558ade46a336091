import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TokenVerifier } from '@countersign/platform/auth';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { SubjectFilters } from '@countersign/contracts';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiErrorFilter, JetStreamTransport, type JetStreamTransportOptions } from '@countersign/platform/nest';
import { AppModule, SERVICE_NAME } from './app.module.js';
import type { AuditConfig } from './config.js';
import { AuditSigningKey } from './signing/audit-signing-key.js';

export interface AuditAppOverrides {
  signingKey?: AuditSigningKey;
  /** Tests shorten the retry backoff. */
  backoffMs?: number[];
}

/** Builds the whole service (HTTP + the JetStream consumer, started) without listening; main.ts and tests share it. */
export async function createAuditApp(config: AuditConfig, logger: Logger, overrides: AuditAppOverrides = {}): Promise<INestApplication> {
  const signingKey = overrides.signingKey ?? (await AuditSigningKey.fromFile(config.AUDIT_SIGNING_KEY_FILE));
  const verifier = await TokenVerifier.fromConfig({
    audience: config.AUTH_AUDIENCE,
    issuers: config.AUTH_ISSUERS,
    ...(config.DEV_ISSUER_ENABLED && config.DEV_ISSUER_JWKS_FILE ? { devIssuer: { jwksFile: config.DEV_ISSUER_JWKS_FILE } } : {}),
  });
  if (config.DEV_ISSUER_ENABLED) logger.warn('DEV ISSUER ENABLED: tokens minted by scripts/dev-token.mjs are trusted');
  // AUDIT_EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE: audit verifies every service's signature before storing.
  const eventKeys = EventKeyRing.fromEnv(SERVICE_NAME);
  logger.info({ kid: signingKey.kid, eventKid: eventKeys.kid }, 'audit signing keys loaded');
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { logger, signingKey, verifier, eventKeys }),
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(new PinoNestLogger(logger));
  // Every endpoint here is a GET; anything larger than a small JSON body is not ours.
  app.useBodyParser('json', { limit: '16kb' });
  app.useGlobalFilters(new ApiErrorFilter(logger));
  app.enableShutdownHooks();
  const transport: JetStreamTransportOptions = {
    url: config.NATS_URL,
    durable: SERVICE_NAME,
    serviceName: SERVICE_NAME,
    logger,
    eventKeys,
    batchSize: config.AUDIT_BATCH_SIZE,
    lingerMs: config.AUDIT_BATCH_LINGER_MS,
    // Every subject, not just the contracts' list, so one no contract names is still terminated and
    // reported (and that rejection audited) rather than never delivered.
    filterSubjects: [SubjectFilters.all],
    // Dropping good events from the audit log is worse than retrying: a failing batch (Postgres away)
    // is retried with backoff for ever, never terminated.
    maxDeliver: Infinity,
    ...(overrides.backoffMs ? { backoffMs: overrides.backoffMs } : {}),
  };
  app.connectMicroservice({ strategy: new JetStreamTransport(transport) });
  await app.startAllMicroservices();
  return app;
}
