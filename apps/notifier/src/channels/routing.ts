import type { ChannelReview } from './review-channel.js';

/** Approver group → where that group reads its reviews (a Slack channel id, a Teams conversation id). */
export type GroupRoutes = Readonly<Record<string, string>>;

/**
 * Where a chat channel posts a review: the destination of the first of its approver groups (in the
 * rule's order) that has one, else the channel's default. One destination per review and channel, so
 * that the one message per (review, channel) that delivery records stays the one people vote on; the
 * other groups' members vote on that same message.
 */
export function destinationOf(review: ChannelReview, routes: GroupRoutes, fallback: string): string {
  const group = review.review.requirement.approverGroups.find((g) => Object.hasOwn(routes, g));
  return group === undefined ? fallback : routes[group]!;
}
