import './instrument.js';
import { runService } from '@countersign/platform/nest';
import { createIntakeApp } from './bootstrap.js';
import { loadIntakeConfig } from './config.js';

await runService({
  name: 'intake',
  loadConfig: loadIntakeConfig,
  create: (config, logger) => createIntakeApp(config, logger),
  host: '0.0.0.0',
});
