import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { VoteRefusal } from '@countersign/contracts';
import { decideVote, NO_STEP_UP } from '@countersign/domain';
import { hasScope, type VerifiedIdentity } from '@countersign/platform/auth';
import { inTransaction } from '@countersign/platform/db';
import { PG_POOL } from '@countersign/platform/nest';
import { Clock } from '@countersign/platform/runtime';
import { reviewView } from '../get-review/get-review.controller.js';
import { VOTE_SCOPE } from '../record-vote/votes.controller.js';
import type { LockedReview } from '../review-store.js';
import { reviewStore } from '../review-store.js';

export interface ListReviewsQuery {
  limit: number;
  /** Only the reviews the caller may decide now. */
  decidable: boolean;
}

export type InboxItem = ReturnType<typeof reviewView> & {
  secondsLeft: number;
  /** The rule wants a console vote with a fresh sign-in and a passkey. */
  stepUp: boolean;
  canDecide: boolean;
  /** Why the caller may not decide it (not in group, own request, already voted, …); null when they may. */
  whyNot: { code: VoteRefusal; reason: string } | null;
};

/**
 * A reviewer's inbox: pending reviews, newest first, each with whether the caller may decide it and,
 * if not, why. The answer is what the vote endpoint would say to an approval now — the same pure
 * `decideVote`, asked as if step-up were done (step-up is shown on its own), so the two never disagree.
 */
@Injectable()
export class ListReviews {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute(identity: VerifiedIdentity, query: ListReviewsQuery): Promise<{ reviews: InboxItem[] }> {
    const { requester } = identity;
    // Approvers and auditors see every pending review (as GET /v1/reviews/:id lets them); anyone else only their own.
    const seesAll = hasScope(identity, VOTE_SCOPE) || hasScope(identity, 'audit:read');
    const reviews = await inTransaction(this.pool, (client) =>
      reviewStore.listPending(client, { limit: query.limit, ...(seesAll ? {} : { requester: { subject: requester.subject, issuer: requester.issuer } }) }),
    );
    const now = this.clock.now();
    const items = reviews.map((review) => this.item(review, identity, now));
    return { reviews: query.decidable ? items.filter((i) => i.canDecide) : items };
  }

  private item(review: LockedReview, identity: VerifiedIdentity, now: Date): InboxItem {
    const { requester } = identity;
    const verdict = decideVote(
      review.snapshot,
      {
        decision: 'approve',
        voter: { subject: requester.subject, issuer: requester.issuer, groups: requester.groups, authMethod: 'oidc' },
        channel: 'console',
        breakGlass: false,
        stepUp: NO_STEP_UP,
      },
      now,
    );
    // decideVote checks step-up last: STEP_UP_REQUIRED means the vote would count with a passkey (`stepUp` says so).
    const refusal = verdict.kind === 'refused' && verdict.code !== 'STEP_UP_REQUIRED' ? { code: verdict.code, reason: verdict.reason } : null;
    // Without the scope the vote endpoint refuses before any rule is asked; an own request still says so.
    const whyNot =
      hasScope(identity, VOTE_SCOPE) || refusal?.code === 'SELF_APPROVAL'
        ? refusal
        : { code: 'NOT_APPROVER' as const, reason: `this sign-in lacks the scope ${VOTE_SCOPE}` };
    return {
      ...reviewView(review),
      secondsLeft: Math.max(0, Math.floor((review.snapshot.expiresAt.getTime() - now.getTime()) / 1000)),
      stepUp: review.snapshot.requirement.stepUp,
      canDecide: whyNot === null,
      whyNot,
    };
  }
}
