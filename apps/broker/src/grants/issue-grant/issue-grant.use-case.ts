import type { CountersignEvent, GrantTerms } from '@countersign/contracts';
import { processOnce, type PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { RetryLaterError, type EventPublisher } from '@countersign/platform/nats';
import type { Clock, IdGenerator } from '@countersign/platform/runtime';
import type { GrantEvents } from '../grant-events.js';
import type { GrantStore } from '../grant-store.js';
import type { JtiSource } from '../jti-source.js';

export interface IssueGrantCommand {
  /** The allowing event (classified or approved); its id is the idempotency key. */
  eventId: string;
  intentId: string;
  intentHash: string;
  terms: GrantTerms;
}

/** How long to wait for intent.submitted when the allowing event overtook it. */
const SUBMITTED_NOT_YET_SEEN_DELAY_MS = 1_000;

export class IssueGrant {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: GrantStore,
    private readonly events: GrantEvents,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly jtis: JtiSource,
    private readonly logger: Logger,
  ) {}

  /** Creates the intent's grant once; publishing after commit means a redelivery republishes, never re-issues. */
  async execute(cmd: IssueGrantCommand): Promise<CountersignEvent[]> {
    const { outgoing } = await processOnce(
      this.prisma,
      { schema: 'broker', consumer: 'broker.issue-grant', eventId: cmd.eventId },
      async (tx) => {
        const intent = await this.store.findIntent(cmd.intentId, tx);
        if (!intent) {
          throw new RetryLaterError(`intent ${cmd.intentId} not recorded yet`, SUBMITTED_NOT_YET_SEEN_DELAY_MS);
        }
        if (intent.intentHash !== cmd.intentHash) {
          this.logger.error(
            { eventId: cmd.eventId, intentId: cmd.intentId },
            'allowing event names another intent hash than the submitted intent; no grant',
          );
          return [];
        }
        const grant = {
          id: this.ids.next(),
          jti: this.jtis.next(),
          intentId: intent.intentId,
          intentHash: intent.intentHash,
          requesterSubject: intent.requesterSubject,
          requesterIssuer: intent.requesterIssuer,
          audience: cmd.terms.audience,
          action: intent.action,
          resource: intent.resource,
          claimBy: new Date(this.clock.now().getTime() + cmd.terms.claimTtlSeconds * 1000),
          useTtlSeconds: cmd.terms.useTtlSeconds,
        };
        if (!(await this.store.insertGrant(grant, tx))) return [];
        return [this.events.issued(grant, cmd.eventId)];
      },
    );
    await this.publisher.publishAll(outgoing);
    return outgoing;
  }
}
