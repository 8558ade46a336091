import './instrument.js';
import { applyMigrations, ensureDatabase } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { createPolicyApp } from './bootstrap.js';
import { loadPolicyConfig } from './config.js';

const logger = createLogger('policy');

try {
  const config = loadPolicyConfig();
  logger.level = config.LOG_LEVEL;
  // Migrations run under an advisory lock, so several services booting at once do not race.
  await ensureDatabase(config.DATABASE_URL);
  await applyMigrations(config.DATABASE_URL, { log: (line) => logger.info(line) });
  const app = await createPolicyApp(config, logger);
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'policy listening');
} catch (error) {
  logger.fatal({ err: error }, 'policy failed to start');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}
