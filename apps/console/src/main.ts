import './instrument.js';
import { runService } from '@countersign/platform/nest';
import { createConsoleApp } from './bootstrap.js';
import { loadConsoleConfig } from './config.js';

await runService({
  name: 'console',
  loadConfig: loadConsoleConfig,
  create: (config, logger) => createConsoleApp(config, logger),
});
