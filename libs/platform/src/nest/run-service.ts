import type { INestApplication } from '@nestjs/common';
import { ConfigError } from '../config/index.js';
import { createLogger, type Logger } from '../logging/index.js';

export interface ServiceDefinition<C extends { PORT: number; LOG_LEVEL: string }> {
  name: string;
  loadConfig: () => C;
  /** Builds the app with its JetStream consumer started, without listening. */
  create: (config: C, logger: Logger) => Promise<INestApplication>;
  /** How long a graceful stop may take before the process exits anyway (e.g. NATS is gone mid-drain). */
  shutdownTimeoutMs?: number;
  /** Interface to listen on; Fastify apps need it ('0.0.0.0'): unlike express they default to localhost only. */
  host?: string;
}

/**
 * The one way a service process starts and stops: config parsed first (a bad variable is named and the
 * process exits 1 without a stack trace), graceful stop on SIGTERM/SIGINT with a hard deadline, and a
 * fatal log line rather than a silent death when boot fails.
 */
export async function runService<C extends { PORT: number; LOG_LEVEL: string }>(def: ServiceDefinition<C>): Promise<void> {
  let config: C;
  try {
    config = def.loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(def.name, config.LOG_LEVEL);
  const deadline = def.shutdownTimeoutMs ?? 10_000;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Nest's shutdown hooks run the graceful part; this only bounds how long it may take.
      setTimeout(() => {
        logger.error({ signal, deadlineMs: deadline }, 'graceful shutdown took too long; exiting');
        process.exit(1);
      }, deadline).unref();
    });
  }
  try {
    const app = await def.create(config, logger);
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    await (def.host === undefined ? app.listen(config.PORT) : app.listen(config.PORT, def.host));
    logger.info({ port: config.PORT }, `${def.name} listening`);
  } catch (error) {
    // Files named by variables (keys) are read while the app is built: their problems are config problems too.
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    logger.fatal({ err: error }, `${def.name} failed to start`);
    // Let pino flush the fatal line before the exit.
    setTimeout(() => process.exit(1), 100).unref();
    process.exitCode = 1;
  }
}
