import { Module } from '@nestjs/common';
import { TokenVerifier } from '@countersign/platform/auth';
import { PrismaClient as PrismaClientToken, type PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import type { BrokerConfig } from '../config.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { PG_POOL } from '@countersign/platform/nest';
import { BROKER_CONFIG, LOGGER } from '../tokens.js';
import { ClaimGrantController } from './claim-grant/claim-grant.controller.js';
import { ClaimGrant } from './claim-grant/claim-grant.use-case.js';
import { GrantEvents } from './grant-events.js';
import { GrantKeys } from './grant-keys.js';
import { GrantStore } from './grant-store.js';
import { IntentEventsController } from './intent-events.controller.js';
import { IssueGrants } from './issue-grant/issue-grants.use-case.js';
import { JtiSource } from './jti-source.js';
import { JwksController } from './jwks/jwks.controller.js';
import { RedeemGrantController } from './redeem-grant/redeem-grant.controller.js';
import { RedeemGrant } from './redeem-grant/redeem-grant.use-case.js';
import { RevokeGrantController } from './revoke-grant/revoke-grant.controller.js';
import { RevokeGrant } from './revoke-grant/revoke-grant.use-case.js';
import { BackgroundJobs } from './sweep-expired-grants/background-jobs.js';
import { CredentialProviders } from '../credentials/credential-providers.js';
import { CredentialStore } from '../credentials/credential-store.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { ReleaseCredentials } from '../credentials/release-credentials/release-credentials.use-case.js';
import { RemoveStrayCredentials } from '../credentials/remove-strays/remove-strays.use-case.js';
import { KeysModule } from '../keys/keys.module.js';
import { SigningKeys } from '../keys/signing-keys.js';
import { SweepExpiredGrants } from './sweep-expired-grants/sweep-expired-grants.use-case.js';

// Use cases are plain classes wired here, so they carry no framework code and tests build them directly.
@Module({
  imports: [KeysModule, CredentialsModule, OutboxModule],
  controllers: [IntentEventsController, ClaimGrantController, RedeemGrantController, RevokeGrantController, JwksController],
  providers: [
    { provide: JtiSource, useClass: JtiSource },
    { provide: GrantKeys, inject: [SigningKeys], useFactory: (k: SigningKeys) => new GrantKeys(k) },
    {
      provide: TokenVerifier,
      inject: [BROKER_CONFIG],
      useFactory: (cfg: BrokerConfig) =>
        TokenVerifier.fromConfig({
          audience: cfg.AUTH_AUDIENCE,
          issuers: cfg.AUTH_ISSUERS,
          ...(cfg.DEV_ISSUER_ENABLED && cfg.DEV_ISSUER_JWKS_FILE ? { devIssuer: { jwksFile: cfg.DEV_ISSUER_JWKS_FILE } } : {}),
        }),
    },
    { provide: GrantStore, inject: [PrismaClientToken], useFactory: (p: PrismaClient) => new GrantStore(p) },
    {
      provide: IssueGrants,
      inject: [PG_POOL, GrantEvents, EventPublisher, Clock, IdGenerator, JtiSource, LOGGER],
      useFactory: (...deps: ConstructorParameters<typeof IssueGrants>) => new IssueGrants(...deps),
    },
    {
      provide: ClaimGrant,
      inject: [GrantStore, GrantKeys, CredentialProviders, GrantEvents, OutboxRelay, Clock, LOGGER],
      useFactory: (...deps: ConstructorParameters<typeof ClaimGrant>) => new ClaimGrant(...deps),
    },
    {
      provide: RedeemGrant,
      inject: [GrantStore, CredentialStore, CredentialProviders, GrantKeys, GrantEvents, OutboxRelay, Clock],
      useFactory: (...deps: ConstructorParameters<typeof RedeemGrant>) => new RedeemGrant(...deps),
    },
    {
      provide: RevokeGrant,
      inject: [GrantStore, GrantEvents, OutboxRelay, Clock],
      useFactory: (...deps: ConstructorParameters<typeof RevokeGrant>) => new RevokeGrant(...deps),
    },
    {
      provide: SweepExpiredGrants,
      inject: [GrantStore, GrantEvents, OutboxRelay, Clock],
      useFactory: (...deps: ConstructorParameters<typeof SweepExpiredGrants>) => new SweepExpiredGrants(...deps),
    },
    {
      provide: BackgroundJobs,
      inject: [SweepExpiredGrants, ReleaseCredentials, RemoveStrayCredentials, OutboxRelay, BROKER_CONFIG, LOGGER],
      useFactory: (s: SweepExpiredGrants, c: ReleaseCredentials, st: RemoveStrayCredentials, r: OutboxRelay, cfg: BrokerConfig, l: Logger) =>
        new BackgroundJobs(
          { sweep: s, credentials: c, strays: st, relay: r },
          {
            sweepMs: cfg.BROKER_SWEEP_INTERVAL_MS,
            credentialMs: cfg.BROKER_CREDENTIAL_INTERVAL_MS,
            strayMs: cfg.BROKER_STRAY_SWEEP_INTERVAL_MS,
            outboxMs: cfg.BROKER_OUTBOX_INTERVAL_MS,
          },
          l,
        ),
    },
  ],
})
export class GrantsModule {}
