import { Inject, Injectable } from '@nestjs/common';
import { IntentState, type CountersignEvent } from '@countersign/contracts';
import { evolve, orderOf, type LifecycleEvent } from '@countersign/domain';
import { PrismaClient, type Prisma } from '@countersign/platform/db';
import { RetryLaterError } from '@countersign/platform/nats';
import { Clock } from '@countersign/platform/runtime';
import { IntentChanges } from '../intent-changes.js';
import { lifecycleOf, patchFor } from './lifecycle.js';

export type ApplyOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

/**
 * Folds one status event into the intents read model. The event id is inserted first (unique), so a
 * redelivery is a no-op; the row is locked so that two copies of intake apply one intent's events in turn.
 */
@Injectable()
export class ApplyLifecycleEvent {
  constructor(
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IntentChanges) private readonly changes: IntentChanges,
  ) {}

  async execute(event: CountersignEvent): Promise<ApplyOutcome> {
    const lifecycle = lifecycleOf(event);
    const intentId = event.intentId;
    if (!lifecycle || intentId === null) return 'ignored';
    const outcome = await this.prisma.$transaction((tx) => this.apply(tx, event, intentId, lifecycle));
    // After the commit, so that a woken reader sees the new row.
    if (outcome === 'applied') this.changes.notify(intentId);
    return outcome;
  }

  private async apply(
    tx: Prisma.TransactionClient,
    event: CountersignEvent,
    intentId: string,
    lifecycle: LifecycleEvent,
  ): Promise<ApplyOutcome> {
    const inserted = await tx.$executeRaw`
      INSERT INTO intake.intent_events (event_id, intent_id, type, occurred_at)
      VALUES (${event.id}::uuid, ${intentId}::uuid, ${event.type}, ${new Date(event.occurredAt)})
      ON CONFLICT (event_id) DO NOTHING`;
    if (inserted === 0) return 'duplicate';

    const rows = await tx.$queryRaw<Array<{ state: string }>>`
      SELECT state FROM intake.intents WHERE id = ${intentId}::uuid FOR UPDATE`;
    const stored = rows[0];
    // Rolls back the event row too, so the redelivery is not mistaken for a duplicate.
    if (!stored) throw new RetryLaterError(`intent ${intentId} is not in the read model yet`);
    const state = IntentState.parse(stored.state);

    let next: IntentState;
    try {
      next = evolve(state, lifecycle);
    } catch {
      if (orderOf(state, lifecycle.type) === 'stale') return 'stale';
      throw new RetryLaterError(`${event.type} cannot follow ${state} yet`);
    }
    await tx.intent.update({
      where: { id: intentId },
      data: { state: next, updatedAt: this.clock.now(), ...patchFor(event) },
    });
    return 'applied';
  }
}
