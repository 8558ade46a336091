import { Module } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import type { BrokerConfig } from '../config.js';
import { BROKER_CONFIG, LOGGER } from '../tokens.js';
import { KeyDirectorySource, KeyFileSource } from './key-source.js';
import { KeyReloadJob } from './key-reload.job.js';
import { SigningKeys } from './signing-keys.js';

@Module({
  providers: [
    {
      provide: SigningKeys,
      inject: [BROKER_CONFIG, LOGGER],
      // The config allows exactly one of the two.
      useFactory: (cfg: BrokerConfig, logger: Logger) =>
        SigningKeys.load(
          cfg.BROKER_SIGNING_KEYS_DIR ? new KeyDirectorySource(cfg.BROKER_SIGNING_KEYS_DIR) : new KeyFileSource(cfg.BROKER_SIGNING_KEY_FILE ?? ''),
          logger,
        ),
    },
    {
      provide: KeyReloadJob,
      inject: [SigningKeys, BROKER_CONFIG],
      useFactory: (keys: SigningKeys, cfg: BrokerConfig) => new KeyReloadJob(keys, cfg.BROKER_KEYS_RELOAD_INTERVAL_MS),
    },
  ],
  exports: [SigningKeys],
})
export class KeysModule {}
