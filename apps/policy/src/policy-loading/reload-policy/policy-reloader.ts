import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventPublisher } from '@countersign/platform/nats';
import type { Logger } from '@countersign/platform/logging';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { LOGGER } from '../../tokens.js';
import { PolicyStore } from '../policy-store.js';
import { PolicyDirWatcher } from './policy-dir-watcher.js';
import { ReloadPolicy } from './reload-policy.use-case.js';

export const RELOAD_SETTINGS = Symbol('policy.reload-settings');
export interface ReloadSettings {
  dir: string;
  intervalMs: number;
}

/** Nest lifecycle around the framework-free ReloadPolicy and its watcher. */
@Injectable()
export class PolicyReloader implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly reload: ReloadPolicy;
  private readonly watcher: PolicyDirWatcher;

  constructor(
    @Inject(RELOAD_SETTINGS) settings: ReloadSettings,
    @Inject(PolicyStore) store: PolicyStore,
    @Inject(EventPublisher) publisher: EventPublisher,
    @Inject(Clock) clock: Clock,
    @Inject(IdGenerator) ids: IdGenerator,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.reload = new ReloadPolicy({ dir: settings.dir, store, publisher, clock, ids, logger });
    this.watcher = new PolicyDirWatcher(settings.dir, this.reload, settings.intervalMs, logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.reload.announceBoot();
    await this.watcher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.watcher.stop();
  }

  /** Checks the directory now; resolves when the check is done (used by tests and by SIGHUP). */
  check(): Promise<void> {
    return this.watcher.trigger();
  }
}
