import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { VoteDecision } from '@countersign/contracts';
import { requireScope, TokenVerifier } from '@countersign/platform/auth';
import { ApiError, parseBody } from '@countersign/platform/nest';
import { z } from 'zod';
import { VOTE_SCOPE } from '../record-vote/votes.controller.js';
import { StepUp, type StepUpOptions } from './step-up.js';

const OptionsBody = z.strictObject({ decision: VoteDecision });

/** A one-time WebAuthn challenge for the caller's step-up vote on one review, bound to its decision. */
@Controller('v1/reviews')
export class StepUpOptionsController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(StepUp) private readonly stepUp: StepUp,
  ) {}

  @Post(':id/step-up-options')
  @HttpCode(200)
  async options(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Body() body: unknown): Promise<StepUpOptions> {
    const identity = await this.verifier.verifyBearer(authorization);
    requireScope(identity, VOTE_SCOPE);
    const reviewId = z.uuid().safeParse(id);
    if (!reviewId.success) throw new ApiError('VALIDATION_FAILED', 400, 'invalid request: id: not a review id', { issues: [{ path: 'id', message: 'Invalid UUID' }] });
    return this.stepUp.options(identity, reviewId.data, parseBody(OptionsBody, body).decision);
  }
}
