import type { EventOf, IntentSubmittedV1 } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import type { Logger } from '@countersign/platform/logging';
import type { GrantStore } from '../grant-store.js';

/**
 * Keeps what a grant will need from a submitted intent. Idempotent by intent id, so redeliveries and
 * copies of broker may run it any number of times.
 */
export class RecordIntent {
  constructor(
    private readonly store: GrantStore,
    private readonly logger: Logger,
  ) {}

  async execute(event: EventOf<typeof IntentSubmittedV1>): Promise<void> {
    const { intent } = event.data;
    if (event.intentId === null) {
      this.logger.error({ eventId: event.id }, 'intent.submitted without an intent id; ignored');
      return;
    }
    // A grant is bound to this hash: refuse to remember an intent whose hash does not match its content.
    if (intentHash(intent) !== event.data.intentHash) {
      this.logger.error({ eventId: event.id, intentId: event.intentId }, 'intent hash does not match the intent; no grant will be issued');
      return;
    }
    await this.store.saveIntent({
      intentId: event.intentId,
      intentHash: event.data.intentHash,
      requesterSubject: intent.requester.subject,
      requesterIssuer: intent.requester.issuer,
      action: intent.action,
      resource: intent.resource,
    });
  }
}
