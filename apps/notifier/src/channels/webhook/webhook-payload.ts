import type { ChannelNotice, ChannelOutcome, ChannelReview } from '../review-channel.js';

export type WebhookEventType = 'review.requested' | 'review.decided' | 'review.reminder' | 'review.escalated';

/** The masked review as a receiver gets it: nothing policy did not already mask for reviewers. */
export interface WebhookReview {
  id: string;
  intentId: string;
  intentHash: string;
  expiresAt: string;
  action: string;
  resource: ChannelReview['review']['intent']['resource'];
  requester: ChannelReview['review']['intent']['requester'];
  justification: string;
  /** As policy masked them: masked values are `[masked:<kind>:<hmac>]` tokens. */
  args: Record<string, unknown>;
  masked: ChannelReview['review']['masked'];
  reasons: string[];
  ruleIds: string[];
  tags: string[];
  requirement: ChannelReview['review']['requirement'];
  approvals: number;
  quorum: number;
}

export interface WebhookPayload {
  type: WebhookEventType;
  /** When notifier built the message (ISO 8601); the signed `webhook-timestamp` is the send time. */
  timestamp: string;
  review: WebhookReview;
  /** Where a person votes over the API: `POST` with an OIDC token holding `reviews:vote`. */
  voteUrl: string;
  outcome?: { kind: ChannelOutcome['kind']; decidedBy: string[]; reason?: string };
  notice?: { expiresAt: string } | { afterSeconds: number; groups: string[] };
}

export function voteUrlOf(policyPublicUrl: string, reviewId: string): string {
  return `${policyPublicUrl.replace(/\/+$/, '')}/v1/reviews/${encodeURIComponent(reviewId)}/votes`;
}

function reviewOf(r: ChannelReview): WebhookReview {
  const { review } = r;
  return {
    id: r.reviewId,
    intentId: r.intentId,
    intentHash: review.intentHash,
    expiresAt: review.expiresAt,
    action: review.intent.action,
    resource: review.intent.resource,
    requester: review.intent.requester,
    justification: review.intent.justification,
    args: review.intent.args,
    masked: review.masked,
    reasons: review.reasons,
    ruleIds: review.ruleIds,
    tags: review.tags,
    requirement: review.requirement,
    approvals: r.approvals,
    quorum: r.quorum,
  };
}

export function requestedPayload(r: ChannelReview, policyPublicUrl: string, now: Date): WebhookPayload {
  return { type: 'review.requested', timestamp: now.toISOString(), review: reviewOf(r), voteUrl: voteUrlOf(policyPublicUrl, r.reviewId) };
}

export function decidedPayload(o: ChannelOutcome, policyPublicUrl: string, now: Date): WebhookPayload {
  return {
    type: 'review.decided',
    timestamp: now.toISOString(),
    review: reviewOf(o.review),
    voteUrl: voteUrlOf(policyPublicUrl, o.review.reviewId),
    outcome: { kind: o.kind, decidedBy: o.decidedBy, ...(o.reason !== undefined ? { reason: o.reason } : {}) },
  };
}

export function noticePayload(n: ChannelNotice, policyPublicUrl: string, now: Date): WebhookPayload {
  return {
    type: n.kind === 'reminder' ? 'review.reminder' : 'review.escalated',
    timestamp: now.toISOString(),
    review: reviewOf(n.review),
    voteUrl: voteUrlOf(policyPublicUrl, n.review.reviewId),
    notice: n.kind === 'reminder' ? { expiresAt: n.expiresAt } : { afterSeconds: n.afterSeconds, groups: n.groups },
  };
}
