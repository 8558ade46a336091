import { Module, type DynamicModule } from '@nestjs/common';
import type pg from 'pg';
import { TokenVerifier } from '@countersign/platform/auth';
import type { EventKeyRing } from '@countersign/platform/event-keys';
import type { Logger } from '@countersign/platform/logging';
import { HealthController, NatsModule, PG_POOL, PgPoolModule, postgresPing } from '@countersign/platform/nest';
import { Clock, SystemClock } from '@countersign/platform/runtime';
import { AuditorAccess } from './auth/auditor-access.js';
import { CHECKPOINT_INTERVAL_MS, CheckpointLoop } from './checkpoints/checkpoint-loop.js';
import { CheckpointsController } from './checkpoints/checkpoints.controller.js';
import { ProveLog } from './checkpoints/prove.use-case.js';
import { CHECKPOINT_ORIGIN, PublishCheckpoint } from './checkpoints/publish-checkpoint.use-case.js';
import type { AuditConfig } from './config.js';
import { BuildEvidence } from './evidence/build-evidence.use-case.js';
import { EvidenceController } from './evidence/evidence.controller.js';
import { SummarizeEvidence } from './evidence/summarize-evidence.use-case.js';
import { ExportLogController } from './reading/export-log/export-log.controller.js';
import { ListEventsController } from './reading/list-events/list-events.controller.js';
import { ListAuditEvents } from './reading/list-events/list-events.use-case.js';
import { VerifyChainController } from './reading/verify-chain/verify-chain.controller.js';
import { VerifyAuditChain } from './reading/verify-chain/verify-chain.use-case.js';
import { AUDIT_LOGGER, RecordEventsController } from './recording/record-events/record-events.controller.js';
import { RecordEvents } from './recording/record-events/record-events.use-case.js';
import { AuditSigningKey } from './signing/audit-signing-key.js';
import { JwksController } from './signing/jwks.controller.js';

export const SERVICE_NAME = 'audit';

export interface AuditDeps {
  logger: Logger;
  signingKey: AuditSigningKey;
  verifier: TokenVerifier;
  eventKeys: EventKeyRing;
}

@Module({})
export class AppModule {
  /** Key and verifier are loaded before Nest starts: a missing key file fails boot with its name. */
  static forRoot(config: AuditConfig, deps: AuditDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: SERVICE_NAME, logger: deps.logger, eventKeys: deps.eventKeys }),
        PgPoolModule.forRoot(config.DATABASE_URL),
      ],
      controllers: [HealthController, JwksController, ListEventsController, VerifyChainController, RecordEventsController, CheckpointsController, ExportLogController, EvidenceController],
      providers: [
        postgresPing(PG_POOL, (pool: pg.Pool) => pool.query('SELECT 1')),
        { provide: AUDIT_LOGGER, useValue: deps.logger },
        { provide: AuditSigningKey, useValue: deps.signingKey },
        { provide: TokenVerifier, useValue: deps.verifier },
        { provide: CHECKPOINT_ORIGIN, useValue: config.AUDIT_ORIGIN },
        { provide: CHECKPOINT_INTERVAL_MS, useValue: config.AUDIT_CHECKPOINT_INTERVAL_MS },
        AuditorAccess,
        PublishCheckpoint,
        ProveLog,
        BuildEvidence,
        SummarizeEvidence,
        { provide: Clock, useClass: SystemClock },
        CheckpointLoop,
        RecordEvents,
        ListAuditEvents,
        VerifyAuditChain,
      ],
    };
  }
}
