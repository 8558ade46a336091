import { Module } from '@nestjs/common';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { GetIntentController } from './get-intent/get-intent.controller.js';
import { GetIntent } from './get-intent/get-intent.use-case.js';
import { IntentChanges } from './intent-changes.js';
import { SubmittedRepublisher } from './publish-submitted/republisher.js';
import { SubmittedPublisher } from './publish-submitted/submitted-publisher.js';
import { ApplyLifecycleEvent } from './read-model/apply-lifecycle-event.use-case.js';
import { IntentReadModelHandler } from './read-model/read-model.handler.js';
import { SubmitIntentController } from './submit-intent/submit-intent.controller.js';
import { SubmitIntent } from './submit-intent/submit-intent.use-case.js';

@Module({
  controllers: [SubmitIntentController, GetIntentController, IntentReadModelHandler],
  providers: [
    BearerAuthGuard,
    SubmitIntent,
    GetIntent,
    ApplyLifecycleEvent,
    IntentChanges,
    SubmittedPublisher,
    SubmittedRepublisher,
  ],
  exports: [SubmittedRepublisher],
})
export class IntentsModule {}
