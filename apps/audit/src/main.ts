import './instrument.js';
import { runService } from '@countersign/platform/nest';
import { createAuditApp } from './bootstrap.js';
import { loadAuditConfig } from './config.js';

await runService({
  name: 'audit',
  loadConfig: loadAuditConfig,
  create: (config, logger) => createAuditApp(config, logger),
});
