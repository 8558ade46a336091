import { createEvent, IntentSubmittedV1, type EventOf } from '@countersign/contracts';
import { intentOf, type IntentRow } from '../intent-record.js';

/**
 * The intent.submitted event is a pure function of the stored row (id, time and content), so a
 * republish after a crash sends exactly the bytes that were meant the first time and NATS dedups it.
 */
export function submittedEventOf(row: IntentRow): EventOf<typeof IntentSubmittedV1> {
  const intent = intentOf(row);
  return createEvent(IntentSubmittedV1, {
    id: row.submittedEventId,
    occurredAt: row.createdAt,
    intentId: row.id,
    actor: { kind: intent.requester.kind, id: intent.requester.subject, issuer: intent.requester.issuer },
    data: { intent, intentHash: row.intentHash },
  });
}
