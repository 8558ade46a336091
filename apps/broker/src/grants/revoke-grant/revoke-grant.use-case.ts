import type { Actor, RevokedGrantResponse } from '@countersign/contracts';
import { requireScope, type VerifiedIdentity } from '@countersign/platform/auth';
import type { Clock } from '@countersign/platform/runtime';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import { Errors, type BrokerError } from '../errors.js';
import type { GrantEvents } from '../grant-events.js';
import type { GrantRow, GrantStore } from '../grant-store.js';

export const REVOKE_SCOPE = 'grants:revoke';

/**
 * Takes a grant back before its use is over: an issued or claimed grant can no longer be claimed or
 * redeemed, and a redeemed one whose credential still exists loses it (the credential job removes it and
 * ends its sessions). For whoever holds `grants:revoke` (a security role), with a reason that is theirs.
 */
export class RevokeGrant {
  constructor(
    private readonly store: GrantStore,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  async execute(identity: VerifiedIdentity, intentId: string, reason: string): Promise<RevokedGrantResponse> {
    requireScope(identity, REVOKE_SCOPE);
    const row = await this.store.findByIntentId(intentId);
    if (!row) throw Errors.notFound();
    const refusal = whyNotRevocable(row.state);
    if (refusal) throw refusal;
    const { subject, issuer, kind } = identity.requester;
    const by: Actor = { kind, id: subject, issuer };
    const event = this.events.revoked(row, by, reason);
    const from = await this.store.revoke(intentId, event);
    if (!from) {
      // Lost a race with a redeem, the sweeper or another revoke: say what it is now.
      const current = await this.store.findByIntentId(intentId);
      throw (current && whyNotRevocable(current.state)) ?? Errors.alreadyUsed();
    }
    await this.relay.publish([event]);
    return { intentId, grantId: row.id, jti: row.jti, revokedFrom: from };
  }
}

function whyNotRevocable(state: GrantRow['state']): BrokerError | undefined {
  switch (state) {
    case 'issued':
    case 'claimed':
    case 'redeemed':
      // A redeemed grant is revocable while its credential lives; the store decides that atomically.
      return undefined;
    case 'expired':
      return Errors.expired();
    case 'revoked':
      return Errors.revoked();
  }
}
