import { describe, expect, it } from 'vitest';
import type { IntentState } from '@countersign/contracts';
import { evolve, IllegalTransitionError, orderOf, type LifecycleEvent } from './intent-lifecycle.js';

// Given/when/then over the pure transition function: given the events so far, when one more
// arrives, then the state is ... (or the move is refused).
function given(...events: LifecycleEvent[]): IntentState | null {
  return events.reduce<IntentState | null>((state, e) => evolve(state, e), null);
}
const submitted: LifecycleEvent = { type: 'intent.submitted' };
const allowed: LifecycleEvent = { type: 'intent.classified', decision: 'allow' };
const review: LifecycleEvent = { type: 'intent.classified', decision: 'review' };

describe('intent lifecycle', () => {
  it.each([
    [[submitted], 'submitted'],
    [[submitted, allowed], 'allowed'],
    [[submitted, { type: 'intent.classified', decision: 'deny' }], 'denied'],
    [[submitted, review], 'pending_review'],
    [[submitted, review, { type: 'intent.approved' }], 'approved'],
    [[submitted, review, { type: 'intent.rejected' }], 'rejected'],
    [[submitted, review, { type: 'intent.expired' }], 'expired'],
    [[submitted, review, { type: 'intent.withdrawn' }], 'withdrawn'],
    [[submitted, allowed, { type: 'grant.issued' }], 'granted'],
    [[submitted, review, { type: 'intent.approved' }, { type: 'grant.issued' }], 'granted'],
    [[submitted, allowed, { type: 'grant.issued' }, { type: 'grant.claimed' }, { type: 'grant.redeemed' }], 'redeemed'],
    [[submitted, allowed, { type: 'grant.issued' }, { type: 'grant.expired' }], 'grant_expired'],
    [[submitted, allowed, { type: 'grant.issued' }, { type: 'grant.claimed' }, { type: 'grant.revoked' }], 'revoked'],
  ] as Array<[LifecycleEvent[], IntentState]>)('%j ends %s', (events, expected) => {
    expect(given(...events)).toBe(expected);
  });

  it.each([
    ['a second submission', [submitted], submitted],
    ['a grant for a denied intent', [submitted, { type: 'intent.classified', decision: 'deny' }], { type: 'grant.issued' }],
    ['a grant while the review is pending', [submitted, review], { type: 'grant.issued' }],
    ['an approval without a review', [submitted, allowed], { type: 'intent.approved' }],
    ['a redeem before the claim', [submitted, allowed, { type: 'grant.issued' }], { type: 'grant.redeemed' }],
    ['a second redeem', [submitted, allowed, { type: 'grant.issued' }, { type: 'grant.claimed' }, { type: 'grant.redeemed' }], { type: 'grant.redeemed' }],
    ['a classification twice', [submitted, allowed], allowed],
    ['a withdrawal after approval', [submitted, review, { type: 'intent.approved' }], { type: 'intent.withdrawn' }],
  ] as Array<[string, LifecycleEvent[], LifecycleEvent]>)('refuses %s', (_name, history, next) => {
    const state = given(...history);
    expect(() => evolve(state, next)).toThrow(IllegalTransitionError);
  });

  it('names the state and the event in the error', () => {
    const error = (() => {
      try {
        evolve('denied', { type: 'grant.issued' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({ code: 'ILLEGAL_TRANSITION', from: 'denied', event: 'grant.issued' });
  });

  it('tells early events from stale ones', () => {
    expect(orderOf('submitted', 'grant.issued')).toBe('early');
    expect(orderOf(null, 'intent.classified')).toBe('early');
    expect(orderOf('granted', 'intent.classified')).toBe('stale');
    expect(orderOf('allowed', 'grant.issued')).toBe('next');
    expect(orderOf('pending_review', 'grant.issued')).toBe('early');
    expect(orderOf('claimed', 'grant.claimed')).toBe('stale');
  });
});
