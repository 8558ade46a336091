import {
  createEvent,
  IntentApprovedV1,
  ReviewConcludedV1,
  ReviewRequestedV1,
  IntentExpiredV1,
  IntentRejectedV1,
  ReviewEscalatedV1,
  ReviewExpiringV1,
  ReviewVoteRecordedV1,
  ReviewVoteRefusedV1,
  type CountersignEvent,
  type VoteRefusal,
} from '@countersign/contracts';
import type { CountedVote, VoteRequest } from '@countersign/domain';
import type { IdGenerator } from '@countersign/platform/runtime';
import { POLICY_ACTOR } from '../policy-actor.js';
import type { LockedReview } from './review-store.js';

/** Builds the events of one review change; every event is caused by the vote or timer that made it. */
export class ReviewEvents {
  constructor(
    private readonly ids: IdGenerator,
    private readonly now: Date,
    private readonly causationId?: string,
  ) {}

  private envelope(intentId: string | null) {
    return {
      id: this.ids.next(),
      occurredAt: this.now,
      intentId,
      actor: POLICY_ACTOR,
      ...(this.causationId ? { causationId: this.causationId } : {}),
    };
  }

  recorded(review: LockedReview, vote: CountedVote, approvals: number): CountersignEvent {
    return createEvent(ReviewVoteRecordedV1, {
      ...this.envelope(review.intentId),
      data: {
        reviewId: review.snapshot.id,
        intentHash: review.snapshot.intentHash,
        decision: vote.decision,
        ...(vote.reason ? { reason: vote.reason } : {}),
        voter: vote.voter,
        channel: vote.channel,
        breakGlass: vote.breakGlass,
        ...(vote.stepUp ? { stepUp: vote.stepUp } : {}),
        approvals,
        quorum: review.snapshot.requirement.quorum,
      },
    });
  }

  refused(reviewId: string, intentId: string | null, vote: VoteRequest, code: VoteRefusal, reason: string): CountersignEvent {
    return createEvent(ReviewVoteRefusedV1, {
      ...this.envelope(intentId),
      data: { reviewId, decision: vote.decision, voter: vote.voter, channel: vote.channel, code, reason },
    });
  }

  /** One outcome event per intent the review decides (identical intents share a review). */
  approved(review: LockedReview, votes: readonly CountedVote[]): CountersignEvent[] {
    const approving = votes.filter((v) => v.decision === 'approve');
    const breakGlass = approving.some((v) => v.breakGlass);
    const reason = approving.find((v) => v.breakGlass)?.reason;
    return review.intentIds.map((intentId) =>
      createEvent(IntentApprovedV1, {
        ...this.envelope(intentId),
        data: {
          reviewId: review.snapshot.id,
          intentHash: review.snapshot.intentHash,
          grant: review.grant,
          approvers: approving.map((v) => v.voter.subject),
          breakGlass,
          ...(reason ? { reason } : {}),
        },
      }),
    );
  }

  rejected(review: LockedReview, vote: CountedVote): CountersignEvent[] {
    const reason = `${vote.voter.subject}: ${vote.reason ?? 'rejected'}`;
    return review.intentIds.map((intentId) =>
      createEvent(IntentRejectedV1, {
        ...this.envelope(intentId),
        data: { reviewId: review.snapshot.id, intentHash: review.snapshot.intentHash, reason },
      }),
    );
  }

  expired(review: LockedReview): CountersignEvent[] {
    const reason = `no decision within ${review.snapshot.requirement.ttlSeconds} s`;
    return review.intentIds.map((intentId) =>
      createEvent(IntentExpiredV1, {
        ...this.envelope(intentId),
        data: { reviewId: review.snapshot.id, intentHash: review.snapshot.intentHash, reason },
      }),
    );
  }

  /** The post-hoc review of a break-glass approval, sent to every approver group at once. */
  postHocRequested(review: LockedReview, postHoc: { id: string; requirement: LockedReview['snapshot']['requirement']; expiresAt: Date }): CountersignEvent {
    const view = review.masked;
    if (!view) throw new Error(`review ${review.snapshot.id} has no masked view to show reviewers`);
    return createEvent(ReviewRequestedV1, {
      ...this.envelope(review.intentId),
      data: {
        reviewId: postHoc.id,
        intentHash: review.snapshot.intentHash,
        kind: 'post_hoc',
        requirement: postHoc.requirement,
        expiresAt: postHoc.expiresAt.toISOString(),
        intent: view.intent,
        masked: view.values,
        ruleIds: view.ruleIds,
        reasons: [...view.reasons, 'approved by the requester under break-glass; review it after the fact'],
        tags: view.tags,
      },
    });
  }

  concluded(review: LockedReview, outcome: 'approved' | 'rejected' | 'expired' | 'withdrawn', votes: readonly CountedVote[], reason?: string): CountersignEvent {
    return createEvent(ReviewConcludedV1, {
      ...this.envelope(review.intentId),
      data: {
        reviewId: review.snapshot.id,
        intentHash: review.snapshot.intentHash,
        kind: review.kind,
        outcome,
        approvers: votes.filter((v) => v.decision === 'approve').map((v) => v.voter.subject),
        ...(reason ? { reason } : {}),
      },
    });
  }

  escalated(review: LockedReview, step: number): CountersignEvent {
    const s = review.snapshot.requirement.escalation[step]!;
    return createEvent(ReviewEscalatedV1, {
      ...this.envelope(review.intentId),
      data: { reviewId: review.snapshot.id, intentHash: review.snapshot.intentHash, afterSeconds: s.afterSeconds, groups: s.groups },
    });
  }

  expiring(review: LockedReview): CountersignEvent {
    return createEvent(ReviewExpiringV1, {
      ...this.envelope(review.intentId),
      data: { reviewId: review.snapshot.id, intentHash: review.snapshot.intentHash, expiresAt: review.snapshot.expiresAt.toISOString() },
    });
  }
}
