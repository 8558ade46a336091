import { Module } from '@nestjs/common';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { VerifiedTokens } from '../auth/verified-tokens.js';
import { GetIntentController } from './get-intent/get-intent.controller.js';
import { GetIntent } from './get-intent/get-intent.use-case.js';
import { IntentChanges } from './intent-changes.js';
import { PublishedMarks } from './publish-submitted/published-marks.js';
import { SubmittedRepublisher } from './publish-submitted/republisher.js';
import { SubmittedPublisher } from './publish-submitted/submitted-publisher.js';
import { ApplyLifecycleBatch } from './read-model/apply-lifecycle-batch.use-case.js';
import { IntentReadModelHandler } from './read-model/read-model.handler.js';
import { SubmitIntentController } from './submit-intent/submit-intent.controller.js';
import { SubmitIntent } from './submit-intent/submit-intent.use-case.js';
import { WithdrawIntentController } from './withdraw-intent/withdraw-intent.controller.js';
import { WithdrawIntent } from './withdraw-intent/withdraw-intent.use-case.js';

@Module({
  controllers: [SubmitIntentController, GetIntentController, WithdrawIntentController, IntentReadModelHandler],
  providers: [
    BearerAuthGuard,
    VerifiedTokens,
    SubmitIntent,
    GetIntent,
    WithdrawIntent,
    ApplyLifecycleBatch,
    IntentChanges,
    PublishedMarks,
    SubmittedPublisher,
    SubmittedRepublisher,
  ],
  exports: [SubmittedRepublisher],
})
export class IntentsModule {}
