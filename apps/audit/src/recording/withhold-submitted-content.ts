import { IntentSubmittedV1, type CountersignEvent } from '@countersign/contracts';

/** What the audit log says in place of withheld content; the masked view is in `intent.classified`. */
export const WITHHELD = '[withheld: the masked view is in the intent.classified event]';
export const WITHHELD_PATHS = ['data.intent.args', 'data.intent.justification'] as const;

export type RecordedEvent = CountersignEvent & { withheld?: readonly string[] };

/**
 * The form of an event the audit log stores and chains. `intent.submitted` is the one event that
 * carries an intent as its requester sent it (policy and broker need the real arguments), so its
 * arguments and justification, where secrets and personal data live, are withheld here: the log keeps
 * the intent hash, which commits to the original, and the policy's masked view arrives in
 * `intent.classified`. Every other event is stored as published.
 */
export function recordedForm(event: CountersignEvent): RecordedEvent {
  if (event.type !== IntentSubmittedV1.type) return event;
  const { intent } = event.data;
  return {
    ...event,
    data: { ...event.data, intent: { ...intent, args: {}, justification: WITHHELD } },
    withheld: WITHHELD_PATHS,
  };
}
