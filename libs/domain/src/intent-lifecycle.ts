import type { Decision, IntentState } from '@countersign/contracts';

/** The events that move an intent's state; other events (notifications, votes) leave it where it is. */
export type LifecycleEvent =
  | { type: 'intent.submitted' }
  | { type: 'intent.classified'; decision: Decision }
  | { type: 'intent.approved' | 'intent.rejected' | 'intent.expired' | 'intent.withdrawn' }
  | { type: 'grant.issued' | 'grant.claimed' | 'grant.redeemed' | 'grant.expired' | 'grant.revoked' };

export type LifecycleEventType = LifecycleEvent['type'];

const LIFECYCLE_TYPES: ReadonlySet<string> = new Set<LifecycleEventType>([
  'intent.submitted',
  'intent.classified',
  'intent.approved',
  'intent.rejected',
  'intent.expired',
  'intent.withdrawn',
  'grant.issued',
  'grant.claimed',
  'grant.redeemed',
  'grant.expired',
  'grant.revoked',
]);

export function isLifecycleEventType(type: string): type is LifecycleEventType {
  return LIFECYCLE_TYPES.has(type);
}

export class IllegalTransitionError extends Error {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly from: IntentState | null,
    readonly event: LifecycleEventType,
  ) {
    super(`illegal transition: ${event} in state ${from ?? '(none)'}`);
    this.name = 'IllegalTransitionError';
  }
}

const CLASSIFIED: Record<Decision, IntentState> = {
  allow: 'allowed',
  deny: 'denied',
  review: 'pending_review',
};

/** Pure transition function of an intent's life. Throws IllegalTransitionError on any other move. */
export function evolve(state: IntentState | null, event: LifecycleEvent): IntentState {
  const illegal = () => new IllegalTransitionError(state, event.type);
  switch (event.type) {
    case 'intent.submitted':
      if (state !== null) throw illegal();
      return 'submitted';
    case 'intent.classified':
      if (state !== 'submitted') throw illegal();
      return CLASSIFIED[event.decision];
    case 'intent.approved':
    case 'intent.rejected':
    case 'intent.expired':
      if (state !== 'pending_review') throw illegal();
      return event.type === 'intent.approved' ? 'approved' : event.type === 'intent.rejected' ? 'rejected' : 'expired';
    case 'intent.withdrawn':
      if (state !== 'submitted' && state !== 'pending_review') throw illegal();
      return 'withdrawn';
    case 'grant.issued':
      if (state !== 'allowed' && state !== 'approved') throw illegal();
      return 'granted';
    case 'grant.claimed':
      if (state !== 'granted') throw illegal();
      return 'claimed';
    case 'grant.redeemed':
      if (state !== 'claimed') throw illegal();
      return 'redeemed';
    case 'grant.expired':
      if (state !== 'granted' && state !== 'claimed') throw illegal();
      return 'grant_expired';
    case 'grant.revoked':
      if (state !== 'granted' && state !== 'claimed') throw illegal();
      return 'revoked';
  }
}

/** How far along its life an intent is; lets a read model tell an early event from a stale one. */
const STAGE: Record<IntentState, number> = {
  submitted: 1,
  allowed: 2,
  denied: 2,
  pending_review: 2,
  approved: 3,
  rejected: 3,
  expired: 3,
  withdrawn: 3,
  granted: 4,
  claimed: 5,
  redeemed: 6,
  grant_expired: 6,
  revoked: 6,
};
const EVENT_STAGE: Record<LifecycleEventType, number> = {
  'intent.submitted': 1,
  'intent.classified': 2,
  'intent.approved': 3,
  'intent.rejected': 3,
  'intent.expired': 3,
  'intent.withdrawn': 3,
  'grant.issued': 4,
  'grant.claimed': 5,
  'grant.redeemed': 6,
  'grant.expired': 6,
  'grant.revoked': 6,
};

/**
 * Events from different services can reach a consumer out of order after a redelivery. An event that
 * belongs to a later stage than the next one is "early" (retry later); one at or before the current
 * stage is "stale" (already superseded); otherwise it should apply.
 */
export function orderOf(state: IntentState | null, type: LifecycleEventType): 'next' | 'early' | 'stale' {
  const current = state === null ? 0 : STAGE[state];
  const incoming = EVENT_STAGE[type];
  if (incoming <= current) return 'stale';
  // An allowed intent skips the review stage.
  if (state === 'allowed' && type === 'grant.issued') return 'next';
  return incoming === current + 1 ? 'next' : 'early';
}
