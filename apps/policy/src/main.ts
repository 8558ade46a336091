import './instrument.js';
import { runService } from '@countersign/platform/nest';
import { createPolicyApp } from './bootstrap.js';
import { loadPolicyConfig } from './config.js';

await runService({
  name: 'policy',
  loadConfig: loadPolicyConfig,
  create: createPolicyApp,
});
