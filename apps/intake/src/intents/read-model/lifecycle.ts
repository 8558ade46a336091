import type { CountersignEvent } from '@countersign/contracts';
import type { LifecycleEvent } from '@countersign/domain';

/** The state-machine view of an event, or null for events that do not move an intent. */
export function lifecycleOf(event: CountersignEvent): LifecycleEvent | null {
  switch (event.type) {
    case 'intent.classified':
      return { type: event.type, decision: event.data.decision };
    case 'intent.submitted':
    case 'intent.approved':
    case 'intent.rejected':
    case 'intent.expired':
    case 'intent.withdrawn':
    case 'grant.issued':
    case 'grant.claimed':
    case 'grant.redeemed':
    case 'grant.expired':
    case 'grant.revoked':
      return { type: event.type };
    default:
      return null;
  }
}

/** Columns an event fills in besides the state. */
export interface ReadModelPatch {
  decision?: string;
  reasons?: string[];
  ruleIds?: string[];
  policyVersion?: string;
  reviewId?: string;
  grantId?: string;
  grantJti?: string;
  claimBy?: Date;
}

export function patchFor(event: CountersignEvent): ReadModelPatch {
  switch (event.type) {
    case 'intent.classified':
      return {
        decision: event.data.decision,
        reasons: event.data.reasons,
        ruleIds: event.data.ruleIds,
        policyVersion: event.data.policyVersion,
        ...(event.data.reviewId ? { reviewId: event.data.reviewId } : {}),
      };
    case 'grant.issued':
      return { grantId: event.data.grantId, grantJti: event.data.jti, claimBy: new Date(event.data.claimBy) };
    default:
      return {};
  }
}
