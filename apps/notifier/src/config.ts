import { z } from 'zod';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, env, loadConfig } from '@countersign/platform/config';

export const NotifierConfigSchema = z.object({
  NATS_URL: env.url(DEFAULT_NATS_URL),
  DATABASE_URL: env.url(DEFAULT_DATABASE_URL),
  PORT: env.port(3003),
  LOG_LEVEL: env.logLevel(),
});
export type NotifierConfig = z.infer<typeof NotifierConfigSchema>;

export function loadNotifierConfig(source: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return loadConfig('notifier', NotifierConfigSchema, source);
}
