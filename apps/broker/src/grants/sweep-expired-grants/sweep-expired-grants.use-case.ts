import type { Clock } from '@countersign/platform/runtime';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import type { GrantEvents } from '../grant-events.js';
import type { GrantStore } from '../grant-store.js';

const BATCH = 100;

/** Expires grants left unclaimed past claim_by or unused past expires_at; returns how many. */
export class SweepExpiredGrants {
  constructor(
    private readonly store: GrantStore,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  async execute(): Promise<number> {
    let total = 0;
    for (;;) {
      const events = await this.store.expireDue(this.clock.now(), BATCH, (rows) =>
        rows.map((row) => this.events.expired(row, row.stage)),
      );
      await this.relay.publish(events);
      total += events.length;
      if (events.length < BATCH) return total;
    }
  }
}
