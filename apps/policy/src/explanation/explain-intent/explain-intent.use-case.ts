import { Inject, Injectable } from '@nestjs/common';
import type { SubmitIntentRequest } from '@countersign/contracts';
import { explain, type Explanation } from '@countersign/domain';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import { Clock } from '@countersign/platform/runtime';
import { MaskTokens } from '../../masking/mask-tokens.js';
import { PolicyStore } from '../../policy-loading/policy-store.js';

/**
 * A dry run of classification for the caller's own identity: the same evaluation the consumer runs, with
 * nothing stored or published. Only the masked intent goes back, like everything else that leaves policy.
 */
@Injectable()
export class ExplainIntent {
  constructor(
    @Inject(PolicyStore) private readonly store: PolicyStore,
    @Inject(MaskTokens) private readonly tokens: MaskTokens,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  execute(identity: VerifiedIdentity, request: SubmitIntentRequest): Explanation {
    const intent = { ...request, requester: identity.requester };
    return explain(this.store.current(), intent, { now: this.clock.now(), tokenize: this.tokens.tokenize });
  }
}
