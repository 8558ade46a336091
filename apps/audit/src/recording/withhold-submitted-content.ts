import type { CountersignEvent } from '@countersign/contracts';
import { signedView } from '@countersign/platform/event-keys';

/**
 * The form of an event the audit log stores and chains: the view its emitting service signed
 * (`signedView`), so that the service signature verifies from the stored record alone. That view is the
 * envelope without its `signature`, except for `intent.submitted`, the one event that carries an intent
 * as its requester sent it (policy and broker need the real arguments): its arguments and justification,
 * where secrets and personal data live, are replaced by `withheld: { fields, sha256 }`, one digest over
 * both. The intent hash, which commits to the original, stays; the policy's masked view arrives in
 * `intent.classified`. No secret reaches the audit table.
 */
export function recordedForm(event: CountersignEvent): Record<string, unknown> {
  return signedView(event);
}
