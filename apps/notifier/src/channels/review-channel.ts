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
  /** The delivery row: stable across retries, so a receiver can deduplicate on it (webhook-id). */
  deliveryId: string;
  /** Random per delivery; chat buttons carry the review id, this nonce and nothing else. */
  nonce: string | null;
  review: RequestedReview;
  votes: CountedVote[];
  /** Distinct approvals so far and how many the review needs (from the latest counted vote). */
  approvals: number;
  quorum: number;
}

export type OutcomeKind = 'approved' | 'rejected' | 'expired' | 'withdrawn';

export interface ChannelOutcome {
  review: ChannelReview;
  kind: OutcomeKind;
  /** Subjects who decided: the approvers, or whoever rejected; empty for an expiry. */
  decidedBy: string[];
  reason?: string;
  /** The outcome event (intent.approved / rejected / expired, review.concluded) notifier stored first. */
  eventId: string;
}

/** A reminder before the review expires (review.expiring) or a step of the escalation ladder (review.escalated). */
export type NoticeDetails = { kind: 'reminder'; expiresAt: string } | { kind: 'escalated'; afterSeconds: number; groups: string[] };

export type ChannelNotice = NoticeDetails & {
  /** The notice row: stable across retries (webhook-id). */
  id: string;
  review: ChannelReview;
};

/** Whom a private note is for: the chat account, and the directory subject when the person is mapped. */
export interface NoteRecipient {
  channelUser: string;
  subject: string;
}

/**
 * One way of reaching reviewers (console, Slack, Teams, a webhook), Novu style: each provider is a small
 * class behind this interface and the delivery worker treats them all alike.
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
  /** Sends a reminder or escalation notice next to the posted review. */
  notify(ref: string, notice: ChannelNotice): Promise<void>;
  /** A note to one chat user next to the message (why a click did not count). */
  tellVoter(ref: string, to: NoteRecipient, text: string): Promise<void>;
}

/**
 * The channel refused the message for good (a webhook receiver's 410 Gone): the delivery worker stops
 * retrying it instead of backing off.
 */
export class PermanentDeliveryError extends Error {
  readonly code = 'DELIVERY_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** Injection token of the enabled channels (console first). */
export const REVIEW_CHANNELS = Symbol('REVIEW_CHANNELS');

/** What every channel says in a notice, in plain words (channels add their own formatting). */
export function noticeText(n: ChannelNotice): string {
  const { intent } = n.review.review;
  const what = `${intent.action} on ${intent.resource.kind}/${intent.resource.id} (${intent.resource.env}), requested by ${intent.requester.subject}`;
  const progress = `approvals so far: ${n.review.approvals} of ${n.review.quorum}`;
  if (n.kind === 'reminder') return `Reminder: the review of ${what} expires at ${n.expiresAt} without a decision yet (${progress}).`;
  const minutes = Math.round(n.afterSeconds / 60);
  const after = n.afterSeconds % 60 === 0 ? `${minutes} min` : `${n.afterSeconds} s`;
  return `Escalated after ${after} without a decision: ${n.groups.join(', ')} may now vote on ${what} (${progress}).`;
}

/** An outcome's first line; an expiry and a withdrawal have nobody who decided. */
export function outcomeLead(kind: OutcomeKind, title: string, who: string): string {
  if (kind === 'withdrawn') return 'Withdrawn by the requester: nothing left to decide';
  return kind === 'expired' && who === '' ? 'Expired without a decision' : `${title}${who}`;
}
