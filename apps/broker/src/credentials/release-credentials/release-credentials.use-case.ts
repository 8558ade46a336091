import type { Logger } from '@countersign/platform/logging';
import type { Clock } from '@countersign/platform/runtime';
import { CredentialError, type Settlement } from '../credential-provider.js';
import type { CredentialProviders } from '../credential-providers.js';
import type { CredentialStore, DueCredential } from '../credential-store.js';
import type { GrantEvents } from '../../grants/grant-events.js';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';

const BATCH = 100;

/**
 * Takes back what providers created: the credential of a grant that expired (or was revoked) unused,
 * and a redeemed one once its use is over. Runs on a timer in every copy of broker; providers' removals
 * are idempotent, and only the copy that marks a credential removed logs it. Returns how many it removed.
 */
export class ReleaseCredentials {
  constructor(
    private readonly store: CredentialStore,
    private readonly providers: CredentialProviders,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async execute(): Promise<number> {
    const due = await this.store.due(this.clock.now(), BATCH);
    let removed = 0;
    for (const credential of due) {
      if (await this.release(credential)) removed++;
    }
    return removed;
  }

  private async release(c: DueCredential): Promise<boolean> {
    const now = this.clock.now();
    try {
      const settlement = await this.settle(c, now);
      if (!settlement.removed) return false;
      const event = this.events.credentialRemoved(c, settlement.why);
      const marked = await this.store.removed(c.grantId, settlement.why, now, event);
      if (!marked) return false;
      this.logger.info({ grantId: c.grantId, jti: c.jti, intentId: c.intentId, kind: c.kind, why: settlement.why }, 'credential removed');
      await this.relay.publish([event]);
      return true;
    } catch (error) {
      await this.store.failed(c.grantId, c.attempts, now);
      // A CredentialError's message is written to be logged; anything else may quote a role or a URL.
      const reason = error instanceof CredentialError ? error.message : 'unexpected error';
      this.logger.warn({ grantId: c.grantId, jti: c.jti, kind: c.kind, attempts: c.attempts + 1, reason }, 'credential not removed yet; will retry');
      return false;
    }
  }

  private async settle(c: DueCredential, now: Date): Promise<Settlement> {
    const provider = this.providers.kind(c.kind);
    if (!provider) throw new CredentialError('unavailable', `no credential provider of kind ${c.kind} is configured`);
    if (c.grantState === 'expired' || c.grantState === 'revoked') {
      await provider.revoke(c.handle);
      return { removed: true, why: `grant ${c.grantState}` };
    }
    if (c.state !== 'active' || !c.startBy || !c.endBy) return { removed: false };
    const window = { startBy: c.startBy, endBy: c.endBy };
    if (provider.settle) return provider.settle(c.handle, window, now);
    if (now < window.endBy) return { removed: false };
    await provider.revoke(c.handle);
    return { removed: true, why: 'use window over' };
  }
}
