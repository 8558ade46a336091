import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, type Logger } from '@countersign/platform/logging';
import { JetStreamTransport } from '@countersign/platform/nest';
import { AppModule, SERVICE_NAME } from './app.module.js';
import type { PolicyConfig } from './config.js';
import { loadPolicyDir } from './policy-loading/load-policy/load-policy-dir.js';

/** Builds the whole service (HTTP + JetStream consumer) without listening; main.ts and tests share it. */
export async function createPolicyApp(config: PolicyConfig, logger: Logger): Promise<INestApplication> {
  const policy = await loadPolicyDir(config.POLICY_DIR);
  logger.info(
    { policyVersion: policy.compiled.version, files: policy.files, rules: policy.compiled.document.rules.length },
    'policy loaded',
  );
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logger, policy }), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  // Only health endpoints live here; a small limit keeps anyone from streaming large bodies at it.
  app.useBodyParser('json', { limit: '16kb' });
  app.enableShutdownHooks();
  app.connectMicroservice({
    // A batch handler: the transport hands over whatever is buffered (up to its batch size) at once.
    strategy: new JetStreamTransport({ url: config.NATS_URL, durable: SERVICE_NAME, serviceName: SERVICE_NAME, logger }),
  });
  await app.startAllMicroservices();
  return app;
}
