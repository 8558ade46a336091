import type { CountersignEvent, EventOf, IntentSubmittedV1 } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import type { IntentRecord } from '../grant-store.js';
import { issueGrantCommand, type IssueGrantCommand } from './issue-grant.command.js';

export interface IntentBatchPlan {
  /** What grants will need from each submitted event whose hash checks out, in stream order. */
  records: Array<{ eventId: string; record: IntentRecord }>;
  /** One per allowing event that calls for a grant, in stream order, with its index in the batch. */
  commands: Array<IssueGrantCommand & { position: number }>;
  /** Events after which the intent can never be granted, with their index in the batch. */
  closures: Array<{ eventId: string; intentId: string; reason: ClosingReason; position: number }>;
  /** Events that change nothing, and why; `error` ones point at a bug or a forgery upstream. */
  ignored: Array<{ eventId: string; intentId: string | null; reason: string; level: 'debug' | 'error' }>;
}

/** Sorts a batch of the broker's events into intents to record and grants to issue. Pure. */
export function planIntentBatch(events: readonly CountersignEvent[]): IntentBatchPlan {
  const plan: IntentBatchPlan = { records: [], commands: [], closures: [], ignored: [] };
  for (const [position, event] of events.entries()) {
    const reason = closingReason(event);
    if (reason !== undefined && event.intentId !== null) {
      plan.closures.push({ eventId: event.id, intentId: event.intentId, reason, position });
    } else if (event.type === 'intent.submitted') {
      const record = recordOf(event);
      if ('skip' in record) plan.ignored.push({ eventId: event.id, intentId: event.intentId, reason: record.skip, level: 'error' });
      else plan.records.push({ eventId: event.id, record });
    } else if (event.type === 'intent.classified' || event.type === 'intent.approved') {
      const command = issueGrantCommand(event);
      if ('skip' in command) plan.ignored.push({ eventId: event.id, intentId: event.intentId, reason: command.skip, level: 'debug' });
      else plan.commands.push({ ...command, position });
    }
  }
  return plan;
}

export type ClosingReason = 'denied' | 'rejected' | 'expired' | 'withdrawn';

/** Events after which no grant may be issued for the intent, whatever arrives later. */
function closingReason(event: CountersignEvent): ClosingReason | undefined {
  switch (event.type) {
    case 'intent.classified':
      return event.data.decision === 'deny' ? 'denied' : undefined;
    case 'intent.rejected':
      return 'rejected';
    case 'intent.expired':
      return 'expired';
    case 'intent.withdrawn':
      return 'withdrawn';
    default:
      return undefined;
  }
}

function recordOf(event: EventOf<typeof IntentSubmittedV1>): IntentRecord | { skip: string } {
  const { intent } = event.data;
  if (event.intentId === null) return { skip: 'intent.submitted without an intent id' };
  // A grant is bound to this hash: refuse to remember an intent whose hash does not match its content.
  if (intentHash(intent) !== event.data.intentHash) return { skip: 'intent hash does not match the intent; no grant will be issued' };
  return {
    intentId: event.intentId,
    intentHash: event.data.intentHash,
    requesterSubject: intent.requester.subject,
    requesterIssuer: intent.requester.issuer,
    action: intent.action,
    resource: intent.resource,
    args: intent.args,
  };
}

/** Keeps the first item per key: within a batch, as across batches, the first event for an intent wins. */
export function firstPerKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
