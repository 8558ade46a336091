import './instrument.js';
import { runService } from '@countersign/platform/nest';
import { createNotifierApp } from './bootstrap.js';
import { loadNotifierConfig } from './config.js';

await runService({
  name: 'notifier',
  loadConfig: loadNotifierConfig,
  create: createNotifierApp,
});
