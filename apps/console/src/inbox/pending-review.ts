import type { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import type { InboxReview } from './inbox-page.js';

/**
 * One pending review as the inbox shows it (with canDecide / whyNot / stepUp), from policy's
 * GET /v1/reviews with the user's own token; 404 when it is decided, expired or not visible to them.
 */
export async function pendingReview(api: CountersignApi, accessToken: string, reviewId: string): Promise<InboxReview> {
  const answer = await api.get<{ reviews: InboxReview[] }>('policy', '/v1/reviews?limit=100', accessToken);
  if (!answer.ok) throw new ConsoleError(answer.code, answer.status, answer.message);
  const review = answer.body.reviews.find((r) => r.id === reviewId);
  if (!review) throw new ConsoleError('NOT_FOUND', 404, 'This review is no longer pending (decided or expired), or you may not see it.');
  return review;
}
