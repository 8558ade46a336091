import type { EventType } from './events.js';

/** The services that publish events; each signs what it publishes with its own key. */
export const SERVICE_NAMES = ['intake', 'policy', 'notifier', 'broker', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const ANY_SERVICE = SERVICE_NAMES;

/**
 * Which service may emit each event type: a consumer accepts an event only when its signature's key
 * belongs to one of these. One owner per type, except votes (cast or refused by policy over the API and
 * by notifier from chat) and the system reports every consumer publishes when it refuses a message.
 */
export const EVENT_OWNERS = {
  'intent.submitted': ['intake'],
  'intent.withdrawn': ['intake'],
  'intent.classified': ['policy'],
  'review.requested': ['policy'],
  'review.vote_recorded': ['policy'],
  'review.escalated': ['policy'],
  'review.expiring': ['policy'],
  'review.concluded': ['policy'],
  'intent.approved': ['policy'],
  'intent.rejected': ['policy'],
  'intent.expired': ['policy'],
  'policy.activated': ['policy'],
  'policy.rejected': ['policy'],
  'passkey.registered': ['policy'],
  'review.vote_cast': ['policy', 'notifier'],
  'review.vote_refused': ['policy', 'notifier'],
  'review.notified': ['notifier'],
  'grant.issued': ['broker'],
  'grant.claimed': ['broker'],
  'grant.redeemed': ['broker'],
  'grant.expired': ['broker'],
  'grant.revoked': ['broker'],
  'grant.credential_removed': ['broker'],
  'system.message_rejected': ANY_SERVICE,
  'system.signature_rejected': ANY_SERVICE,
} as const satisfies Record<EventType, readonly ServiceName[]>;

/** Whether `service` may emit events of `type`; false for a type no contract names. */
export function ownsEventType(service: string, type: string): boolean {
  const owners = (EVENT_OWNERS as Record<string, readonly string[] | undefined>)[type];
  return owners !== undefined && owners.includes(service);
}

/**
 * Fields a service signs by digest rather than by value. `intent.submitted` carries the requester's
 * arguments and justification as sent (secrets, personal data); audit never stores them, so the
 * signature covers `sha256(RFC 8785 [args, justification])` in their place and an auditor can verify it
 * from the stored record. One digest over both keeps guessing either as hard as guessing the intent.
 */
export const SIGNED_BY_DIGEST: Partial<Record<EventType, { readonly parent: readonly string[]; readonly fields: readonly string[] }>> = {
  'intent.submitted': { parent: ['data', 'intent'], fields: ['args', 'justification'] },
};
