import './instrument.js';
import { createLogger } from '@countersign/platform/logging';
import { createIntakeApp } from './bootstrap.js';
import { loadIntakeConfig } from './config.js';

const config = loadIntakeConfig();
const logger = createLogger('intake', config.LOG_LEVEL);
if (config.DEV_ISSUER_ENABLED) logger.warn('DEV_ISSUER_ENABLED=true: dev-issuer tokens are accepted (never in production)');

const app = await createIntakeApp(config, logger);
app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
await app.startAllMicroservices();
await app.listen(config.PORT);
logger.info({ port: config.PORT }, 'intake listening');
