import type { ChannelReview } from './review-channel.js';

/** npm start's console; CONSOLE_PUBLIC_URL overrides it. */
export const DEFAULT_CONSOLE_URL = 'http://localhost:3006';

/**
 * Step-up reviews are decided in the console (fresh sign-in and a passkey), never by a chat click:
 * their messages carry this link instead of Approve / Reject.
 */
export function consoleReviewLink(r: ChannelReview, consoleUrl: string): string | undefined {
  if (!r.review.requirement.stepUp) return undefined;
  return `${consoleUrl.replace(/\/$/, '')}/reviews/${encodeURIComponent(r.reviewId)}`;
}

export const STEP_UP_NOTE = 'This rule needs a step-up approval: a fresh sign-in and a passkey, in the review console.';
