import { Module, type DynamicModule } from '@nestjs/common';
import type pg from 'pg';
import { TokenVerifier, tokenVerifierConfigFromEnv } from '@countersign/platform/auth';
import type { Logger } from '@countersign/platform/logging';
import { PgOutbox } from '@countersign/platform/db';
import { EventPublisher } from '@countersign/platform/nats';
import type { EventKeyRing } from '@countersign/platform/event-keys';
import { HealthController, NatsModule, PG_POOL, PgPoolModule, postgresPing } from '@countersign/platform/nest';
import { Clock, IdGenerator, SystemClock, UuidV7Generator } from '@countersign/platform/runtime';
import type { LoadedPolicy } from '@countersign/policy-files';
import { ClassifyIntents } from './classification/classify-intent/classify-intents.use-case.js';
import { IntentSubmittedHandler } from './classification/classify-intent/intent-submitted.handler.js';
import type { PolicyConfig } from './config.js';
import { ExplainIntentController } from './explanation/explain-intent/explain-intent.controller.js';
import { ExplainIntent } from './explanation/explain-intent/explain-intent.use-case.js';
import { MaskTokens } from './masking/mask-tokens.js';
import { PolicyStore } from './policy-loading/policy-store.js';
import { PolicyReloader, RELOAD_SETTINGS, type ReloadSettings } from './policy-loading/reload-policy/policy-reloader.js';
import { ListReviewsController } from './reviewing/list-reviews/list-reviews.controller.js';
import { ListReviews } from './reviewing/list-reviews/list-reviews.use-case.js';
import { GetReviewController } from './reviewing/get-review/get-review.controller.js';
import { RecordVote } from './reviewing/record-vote/record-vote.use-case.js';
import { VoteCastHandler } from './reviewing/record-vote/vote-cast.handler.js';
import { VotesController } from './reviewing/record-vote/votes.controller.js';
import { ReviewTimerLoop, TIMER_SETTINGS, type TimerSettings } from './reviewing/run-timers/review-timer-loop.js';
import { RunReviewTimers } from './reviewing/run-timers/run-review-timers.use-case.js';
import { IntentWithdrawnHandler } from './reviewing/withdraw-intent/intent-withdrawn.handler.js';
import { WithdrawIntentReview } from './reviewing/withdraw-intent/withdraw-intent.use-case.js';
import { PasskeysController } from './passkeys/register-passkey/passkeys.controller.js';
import { RegisterPasskey } from './passkeys/register-passkey/register-passkey.use-case.js';
import { WEBAUTHN_SETTINGS, type WebauthnSettings } from './passkeys/webauthn-settings.js';
import { StepUpOptionsController } from './reviewing/step-up/step-up-options.controller.js';
import { RandomStepUpNonces, StepUp, StepUpNonces } from './reviewing/step-up/step-up.js';
import { LOGGER } from './tokens.js';

export const SERVICE_NAME = 'policy';

export interface PolicyAppDeps {
  logger: Logger;
  policy: LoadedPolicy;
  maskTokens: MaskTokens;
  eventKeys: EventKeyRing;
}

@Module({})
export class AppModule {
  /**
   * The policy and the masking key are loaded before Nest starts, so that an invalid policy or a missing
   * key fails boot with every problem listed.
   */
  static forRoot(config: PolicyConfig, deps: PolicyAppDeps): DynamicModule {
    const reload: ReloadSettings = { dir: config.POLICY_DIR, intervalMs: config.POLICY_RELOAD_INTERVAL_MS };
    // Outbox events normally go out right after commit; the relay only picks up what a crash left.
    const timers: TimerSettings = { intervalMs: config.POLICY_TIMER_INTERVAL_MS, outboxGraceMs: 5_000 };
    const webauthn: WebauthnSettings = {
      rpId: config.POLICY_WEBAUTHN_RP_ID,
      rpName: 'Countersign',
      origins: config.POLICY_WEBAUTHN_ORIGINS.map((o) => new URL(o).origin),
      challengeTtlSeconds: 300,
      stepUpMaxAgeSeconds: config.POLICY_STEP_UP_MAX_AGE_SECONDS,
    };
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: SERVICE_NAME, logger: deps.logger, eventKeys: deps.eventKeys }),
        // One batch transaction at a time plus readiness probes: a few connections are plenty.
        PgPoolModule.forRoot(config.DATABASE_URL, { max: 4 }),
      ],
      controllers: [HealthController, IntentSubmittedHandler, VoteCastHandler, IntentWithdrawnHandler, ExplainIntentController, VotesController, ListReviewsController, GetReviewController, PasskeysController, StepUpOptionsController],
      providers: [
        postgresPing(PG_POOL, (pool: pg.Pool) => pool.query('SELECT 1')),
        { provide: LOGGER, useValue: deps.logger },
        { provide: PolicyStore, useValue: new PolicyStore(deps.policy) },
        { provide: MaskTokens, useValue: deps.maskTokens },
        { provide: RELOAD_SETTINGS, useValue: reload },
        { provide: TIMER_SETTINGS, useValue: timers },
        { provide: WEBAUTHN_SETTINGS, useValue: webauthn },
        { provide: StepUpNonces, useClass: RandomStepUpNonces },
        {
          provide: PgOutbox,
          inject: [EventPublisher],
          useFactory: (publisher: EventPublisher) =>
            new PgOutbox({
              schema: 'policy',
              publish: (events) => publisher.publishAll(events),
              onPublishFailed: (err, count) => deps.logger.warn({ err, count }, 'outbox publish failed; the relay retries'),
            }),
        },
        { provide: TokenVerifier, useFactory: () => TokenVerifier.fromConfig(tokenVerifierConfigFromEnv(config)) },
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: UuidV7Generator },
        ClassifyIntents,
        ExplainIntent,
        PolicyReloader,
        ListReviews,
        RecordVote,
        RegisterPasskey,
        StepUp,
        RunReviewTimers,
        WithdrawIntentReview,
        ReviewTimerLoop,
      ],
    };
  }
}
