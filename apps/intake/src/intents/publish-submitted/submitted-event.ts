import { createEvent, IntentSubmittedV1, type EventOf, type Intent } from '@countersign/contracts';
import { intentOf, type IntentRow } from '../intent-record.js';

/**
 * The intent.submitted event is a pure function of the stored row (id, time and content), so a
 * republish after a crash sends the event that was meant the first time (same id and content; only the
 * key order inside jsonb columns may differ, which no hash sees: they are over canonical JSON) and NATS
 * dedups it. The request path passes the intent it has just validated and stored instead of re-parsing the row.
 */
export function submittedEventOf(row: IntentRow, intent: Intent = intentOf(row)): EventOf<typeof IntentSubmittedV1> {
  return createEvent(IntentSubmittedV1, {
    id: row.submittedEventId,
    occurredAt: row.createdAt,
    intentId: row.id,
    actor: { kind: intent.requester.kind, id: intent.requester.subject, issuer: intent.requester.issuer },
    data: { intent, intentHash: row.intentHash },
  });
}
