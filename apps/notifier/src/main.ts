import './instrument.js';
import { applyMigrations, ensureDatabase } from '@countersign/platform/db';
import { createLogger } from '@countersign/platform/logging';
import { createNotifierApp } from './bootstrap.js';
import { loadNotifierConfig } from './config.js';

const logger = createLogger('notifier');

try {
  const config = loadNotifierConfig();
  logger.level = config.LOG_LEVEL;
  // Migrations run under an advisory lock, so several services booting at once do not race.
  await ensureDatabase(config.DATABASE_URL);
  await applyMigrations(config.DATABASE_URL, { log: (line) => logger.info(line) });
  const app = await createNotifierApp(config, logger);
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'notifier listening');
} catch (error) {
  logger.fatal({ err: error }, 'notifier failed to start');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}
