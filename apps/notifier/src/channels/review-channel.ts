import type { EventDataOf, ReviewRequestedV1 } from '@countersign/contracts';

export type RequestedReview = EventDataOf<typeof ReviewRequestedV1>;

/** A vote policy counted (review.vote_recorded), as a channel shows it. */
export interface CountedVote {
  decision: 'approve' | 'reject';
  subject: string;
  reason?: string;
}

/** Everything a channel may show about a review: masked by policy before it ever reached notifier. */
export interface ChannelReview {
  reviewId: string;
  intentId: string;
  /** Random per delivery; chat buttons carry `<reviewId>.<nonce>` and nothing else. */
  nonce: string | null;
  review: RequestedReview;
  votes: CountedVote[];
  /** Distinct approvals so far and how many the review needs (from the latest counted vote). */
  approvals: number;
  quorum: number;
}

export type OutcomeKind = 'approved' | 'rejected' | 'expired';

export interface ChannelOutcome {
  review: ChannelReview;
  kind: OutcomeKind;
  /** Subjects who decided: the approvers, or whoever rejected; empty for an expiry. */
  decidedBy: string[];
  reason?: string;
}

/**
 * One way of reaching reviewers (console, Slack, later Teams or webhooks), Novu style: each provider
 * is a small class behind this interface and the delivery worker treats them all alike.
 */
export interface ReviewChannel {
  readonly name: string;
  /**
   * Internal channels (the console) need no outside call: their delivery is recorded as done in the
   * same transaction as the review. External ones are posted after commit by the delivery worker.
   */
  readonly external: boolean;
  /** Shows the review with its voting controls; returns where the message lives (null: nowhere to update). */
  post(review: ChannelReview): Promise<string | null>;
  /** Re-renders a posted review after a counted vote ("votes so far"); the controls stay. */
  showProgress(ref: string, review: ChannelReview): Promise<void>;
  /** Replaces the controls with the outcome and who decided. */
  showOutcome(ref: string, outcome: ChannelOutcome): Promise<void>;
  /** A private note to one chat user next to the message (why a click did not count). */
  tellVoter(ref: string, channelUser: string, text: string): Promise<void>;
}

/** Injection token of the enabled channels (console first). */
export const REVIEW_CHANNELS = Symbol('REVIEW_CHANNELS');
