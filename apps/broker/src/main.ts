import './instrument.js';
import { ConfigError } from '@countersign/platform/config';
import { createLogger } from '@countersign/platform/logging';
import { createBrokerApp } from './bootstrap.js';
import { loadBrokerConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  const logger = createLogger('broker', config.LOG_LEVEL);
  const app = await createBrokerApp({ config, logger });
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'broker listening');
}

main().catch((err: unknown) => {
  // A config error names every bad variable; print it plainly rather than as a stack.
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
