import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient as PrismaClientToken, type PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import type { BrokerConfig } from '../config.js';
import { GrantEvents } from '../grants/grant-events.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { BROKER_CONFIG, LOGGER } from '../tokens.js';
import type { CredentialProvider } from './credential-provider.js';
import { CredentialProviders } from './credential-providers.js';
import { CredentialStore } from './credential-store.js';
import { PostgresProvider } from './postgres/postgres.provider.js';
import { PgTargets } from './postgres/postgres-targets.js';
import { TargetAdmin } from './postgres/target-admin.js';
import { ReleaseCredentials } from './release-credentials/release-credentials.use-case.js';
import { RemoveStrayCredentials } from './remove-strays/remove-strays.use-case.js';
import { SignedGrantProvider } from './signed-grant/signed-grant.provider.js';

/** Closes the admin pools of the Postgres targets when broker stops. */
class ClosingTargetAdmin extends TargetAdmin implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

async function targetsOf(cfg: BrokerConfig): Promise<PgTargets> {
  return cfg.BROKER_PG_TARGETS_FILE ? PgTargets.fromFile(cfg.BROKER_PG_TARGETS_FILE) : PgTargets.from(cfg.BROKER_PG_TARGETS);
}

@Module({
  imports: [OutboxModule],
  providers: [
    { provide: TargetAdmin, inject: [LOGGER], useFactory: (l: Logger) => new ClosingTargetAdmin(l) },
    {
      // Asked in order; the signed grant serves whatever no other provider does.
      provide: CredentialProviders,
      inject: [BROKER_CONFIG, TargetAdmin, LOGGER],
      useFactory: async (cfg: BrokerConfig, admin: TargetAdmin, logger: Logger) => {
        const targets = await targetsOf(cfg);
        const providers: CredentialProvider[] = [];
        if (targets.size > 0) {
          providers.push(
            new PostgresProvider(targets, admin, {
              connectWindowSeconds: cfg.BROKER_PG_CONNECT_WINDOW_SECONDS,
              maxSessionSeconds: cfg.BROKER_PG_MAX_SESSION_SECONDS,
            }),
          );
        }
        providers.push(new SignedGrantProvider());
        logger.info({ providers: providers.map((p) => p.kind), postgresTargets: targets.all.map((t) => t.name) }, 'credential providers');
        return new CredentialProviders(providers);
      },
    },
    { provide: CredentialStore, inject: [PrismaClientToken], useFactory: (p: PrismaClient) => new CredentialStore(p) },
    {
      provide: ReleaseCredentials,
      inject: [CredentialStore, CredentialProviders, GrantEvents, OutboxRelay, Clock, LOGGER],
      useFactory: (...deps: ConstructorParameters<typeof ReleaseCredentials>) => new ReleaseCredentials(...deps),
    },
    {
      provide: RemoveStrayCredentials,
      inject: [CredentialStore, CredentialProviders, Clock, LOGGER],
      useFactory: (...deps: ConstructorParameters<typeof RemoveStrayCredentials>) => new RemoveStrayCredentials(...deps),
    },
  ],
  exports: [CredentialProviders, CredentialStore, ReleaseCredentials, RemoveStrayCredentials],
})
export class CredentialsModule {}
