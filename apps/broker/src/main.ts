import './instrument.js';
import { runService } from '@countersign/platform/nest';
import { createBrokerApp } from './bootstrap.js';
import { loadBrokerConfig } from './config.js';

await runService({
  name: 'broker',
  loadConfig: loadBrokerConfig,
  create: (config, logger) => createBrokerApp({ config, logger }),
});
