import type { EventOf, GrantTerms, IntentApprovedV1, IntentClassifiedV1 } from '@countersign/contracts';

export interface IssueGrantCommand {
  /** The allowing event (classified or approved); its id is the idempotency key. */
  eventId: string;
  intentId: string;
  intentHash: string;
  terms: GrantTerms;
}

export type AllowingEvent = EventOf<typeof IntentClassifiedV1> | EventOf<typeof IntentApprovedV1>;

/**
 * The grant an event calls for, or why none: only an 'allow' classification or an approval makes
 * one, and only with the grant terms policy attached.
 */
export function issueGrantCommand(event: AllowingEvent): IssueGrantCommand | { skip: string } {
  if (event.intentId === null) return { skip: 'event has no intent id' };
  if (event.type === 'intent.classified') {
    if (event.data.decision !== 'allow') return { skip: `decision ${event.data.decision}` };
    if (!event.data.grant) return { skip: 'allowed without grant terms' };
  }
  const terms = event.data.grant;
  if (!terms) return { skip: 'no grant terms' };
  return { eventId: event.id, intentId: event.intentId, intentHash: event.data.intentHash, terms };
}
