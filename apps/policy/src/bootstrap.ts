import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiErrorFilter, JetStreamTransport } from '@countersign/platform/nest';
import { loadPolicyDir } from '@countersign/policy-files';
import { AppModule, SERVICE_NAME } from './app.module.js';
import type { PolicyConfig } from './config.js';
import { MaskTokens } from './masking/mask-tokens.js';

/** Builds the whole service (HTTP + JetStream consumer) without listening; main.ts and tests share it. */
export async function createPolicyApp(config: PolicyConfig, logger: Logger): Promise<INestApplication> {
  const policy = await loadPolicyDir(config.POLICY_DIR);
  const maskTokens = await MaskTokens.fromFile(config.POLICY_MASK_KEY_FILE);
  // POLICY_EVENT_SIGNING_KEY_FILE and EVENT_KEYS_FILE: policy signs its decisions, verifies what it consumes.
  const eventKeys = EventKeyRing.fromEnv(SERVICE_NAME);
  logger.info(
    { policyVersion: policy.compiled.version, files: policy.files, rules: policy.compiled.document.rules.length },
    'policy loaded',
  );
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logger, policy, maskTokens, eventKeys }), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  // Explain takes an intent, which intake accepts up to 64 KiB.
  app.useBodyParser('json', { limit: '64kb' });
  // Body-parser failures (too large, not JSON) reach ApiErrorFilter as HttpExceptions.
  app.useGlobalFilters(new ApiErrorFilter(logger));
  app.enableShutdownHooks();
  app.connectMicroservice({
    // A batch handler: the transport hands over whatever is buffered (up to its batch size) at once.
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: SERVICE_NAME, serviceName: SERVICE_NAME, logger, eventKeys }),
  });
  await app.startAllMicroservices();
  return app;
}
