import { ConfigError } from '@countersign/platform/config';
import { createLogger } from '@countersign/platform/logging';
import { loadDevIdpConfig, type DevIdpConfig } from './config.js';
import { startDevIdp } from './server.js';

let config: DevIdpConfig;
try {
  config = loadDevIdpConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const logger = createLogger('dev-idp', config.LOG_LEVEL);
try {
  const idp = await startDevIdp(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      idp.server.closeAllConnections();
      void idp.close().finally(() => process.exit(0));
    });
  }
} catch (error) {
  logger.fatal({ err: error }, 'dev-idp failed to start');
  setTimeout(() => process.exit(1), 100).unref();
}
