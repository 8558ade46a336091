import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { createEvent, ReviewVoteCastV1, VoteDecision, type VoteRefusal } from '@countersign/contracts';
import { hasScope, requireScope, TokenVerifier } from '@countersign/platform/auth';
import { ApiError, parseBody, PG_POOL } from '@countersign/platform/nest';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import type pg from 'pg';
import { z } from 'zod';
import { NO_STEP_UP } from '@countersign/domain';
import { AssertionCredential } from '../../passkeys/webauthn-json.js';
import { reviewStore } from '../review-store.js';
import { StepUp } from '../step-up/step-up.js';
import { RecordVote, type VoteVerdict } from './record-vote.use-case.js';
import { voteRequestOf } from './vote-request.js';

export const VOTE_SCOPE = 'reviews:vote';

const VoteBody = z.strictObject({
  decision: VoteDecision,
  reason: z.string().trim().min(1).max(2000).optional(),
  /** The requester approving their own intent under a break-glass rule. */
  breakGlass: z.boolean().default(false),
  /** A passkey assertion answering POST /v1/reviews/:id/step-up-options (required where the rule has stepUp). */
  assertion: AssertionCredential.optional(),
});
const ReviewId = z.uuid();

const STATUS: Record<VoteRefusal, number> = {
  NOT_MAPPED: 403,
  NOT_APPROVER: 403,
  SELF_APPROVAL: 403,
  OWNER_APPROVAL: 403,
  STEP_UP_REQUIRED: 403,
  STEP_UP_STALE_LOGIN: 403,
  PASSKEY_INVALID: 403,
  BREAK_GLASS_NOT_ALLOWED: 403,
  REASON_REQUIRED: 400,
  ALREADY_VOTED: 409,
  REVIEW_DECIDED: 409,
  REVIEW_EXPIRED: 410,
  REVIEW_NOT_FOUND: 404,
};

/**
 * API votes: the voter is the token's subject and groups, never the body. The vote goes through the
 * same use case as chat votes and is published as review.vote_cast like them, so the audit log holds
 * every attempt; the answer says at once whether it counted.
 */
@Controller('v1/reviews')
export class VotesController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RecordVote) private readonly recordVote: RecordVote,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(StepUp) private readonly stepUp: StepUp,
  ) {}

  @Post(':id/votes')
  @HttpCode(200)
  async vote(
    @Headers('authorization') authorization: string | undefined,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<Extract<VoteVerdict, { counted: true }> & { reviewId: string }> {
    const identity = await this.verifier.verifyBearer(authorization);
    const request = parseBody(VoteBody, body);
    // A requester breaking glass holds no approver scope; anyone else must.
    if (!(request.breakGlass && hasScope(identity, 'intents:write'))) requireScope(identity, VOTE_SCOPE);
    const reviewId = ReviewId.safeParse(id);
    if (!reviewId.success) throw new ApiError('VALIDATION_FAILED', 400, 'invalid request: id: not a review id', { issues: [{ path: 'id', message: 'Invalid UUID' }] });
    const { requester } = identity;
    const intentId = await reviewStore.intentOf(this.pool, reviewId.data);
    // Verified before the vote is decided; the verdict (never the raw assertion) is what decideVote reads.
    const stepUp = request.assertion ? await this.stepUp.check(identity, reviewId.data, request.decision, request.assertion) : NO_STEP_UP;
    const cast = createEvent(ReviewVoteCastV1, {
      id: this.ids.next(),
      occurredAt: this.clock.now(),
      intentId,
      actor: { kind: requester.kind, id: requester.subject, issuer: requester.issuer },
      data: {
        reviewId: reviewId.data,
        decision: request.decision,
        ...(request.reason ? { reason: request.reason } : {}),
        voter: { subject: requester.subject, issuer: requester.issuer, groups: requester.groups, authMethod: 'oidc' },
        channel: 'api',
        breakGlass: request.breakGlass,
        stepUp: stepUp.kind === 'verified',
      },
    });
    const { verdict } = await this.recordVote.execute({ eventId: cast.id, reviewId: reviewId.data, intentId, vote: { ...voteRequestOf(cast), stepUp }, cast });
    if (!verdict.counted) throw new ApiError(verdict.code, STATUS[verdict.code], verdict.reason);
    return { reviewId: reviewId.data, ...verdict };
  }
}
