import { Controller, Get, Headers, Inject, Param } from '@nestjs/common';
import type pg from 'pg';
import { z } from 'zod';
import { eligibleGroups } from '@countersign/domain';
import { hasScope, TokenVerifier } from '@countersign/platform/auth';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { inTransaction } from '@countersign/platform/db';
import { reviewStore, type LockedReview } from '../review-store.js';
import { VOTE_SCOPE } from '../record-vote/votes.controller.js';

const ReviewId = z.uuid();

/** What a reviewer, an auditor or the requester sees of a review: the masked view, never the intent itself. */
export function reviewView(review: LockedReview) {
  const { snapshot } = review;
  return {
    id: snapshot.id,
    kind: review.kind,
    state: snapshot.state,
    intentIds: review.intentIds,
    intentHash: snapshot.intentHash,
    requester: { kind: snapshot.requester.kind, subject: snapshot.requester.subject, owner: snapshot.requester.owner ?? null },
    requirement: snapshot.requirement,
    eligibleGroups: [...eligibleGroups(snapshot)].sort(),
    openedAt: snapshot.openedAt.toISOString(),
    expiresAt: snapshot.expiresAt.toISOString(),
    view: review.masked,
    votes: snapshot.votes.map((v) => ({
      subject: v.voter.subject,
      decision: v.decision,
      channel: v.channel,
      breakGlass: v.breakGlass,
      reason: v.reason ?? null,
      /** Signed with a passkey (a step-up vote); the assertion itself is in the audit log. */
      passkey: v.stepUp?.credentialId ?? null,
    })),
  };
}

@Controller('v1/reviews')
export class GetReviewController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  /** Approvers (reviews:vote), auditors (audit:read) and the requester may look; nobody else learns it exists. */
  @Get(':id')
  async get(@Headers('authorization') authorization: string | undefined, @Param('id') id: string): Promise<ReturnType<typeof reviewView>> {
    const identity = await this.verifier.verifyBearer(authorization);
    const parsed = ReviewId.safeParse(id);
    if (!parsed.success) throw new ApiError('VALIDATION_FAILED', 400, 'invalid request: id: not a review id', { issues: [{ path: 'id', message: 'Invalid UUID' }] });
    const review = await inTransaction(this.pool, (client) => reviewStore.find(client, parsed.data));
    const { requester } = identity;
    const isRequester = review && review.snapshot.requester.subject === requester.subject && review.snapshot.requester.issuer === requester.issuer;
    const allowed = hasScope(identity, VOTE_SCOPE) || hasScope(identity, 'audit:read') || isRequester;
    // The same answer whether it does not exist or is not yours to see: ids are not to be probed.
    if (!review || !allowed) throw new ApiError('REVIEW_NOT_FOUND', 404, 'no review with this id that you may see');
    return reviewView(review);
  }
}
