import type { Resource } from '@countersign/contracts';
import { sha256Hex } from '@countersign/platform/crypto';
import type { Clock } from '@countersign/platform/runtime';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import { type BrokerError, Errors } from '../errors.js';
import type { GrantEvents } from '../grant-events.js';
import type { GrantKeys } from '../grant-keys.js';
import type { GrantRow, GrantStore } from '../grant-store.js';

export interface RedeemedGrant {
  intentId: string;
  action: string;
  resource: Resource;
  intentHash: string;
}

/** The target presents a grant; it is good exactly once, for its audience, before it expires. */
export class RedeemGrant {
  constructor(
    private readonly store: GrantStore,
    private readonly keys: GrantKeys,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  async execute(grant: string, audience: string): Promise<RedeemedGrant> {
    const now = this.clock.now();
    const claims = await this.keys.verify(grant, audience, now);
    const row = await this.store.findByJti(claims.jti);
    if (!row || row.intentId !== claims.intent_id || row.intentHash !== claims.intent_hash) {
      throw Errors.invalid('unknown grant');
    }
    const tokenSha256 = sha256Hex(grant);
    const event = this.events.redeemed(row, audience);
    if (!(await this.store.redeem({ jti: row.jti, tokenSha256, now, event }))) {
      const current = (await this.store.findByJti(row.jti)) ?? row;
      throw whyNotRedeemable(current, tokenSha256, now);
    }
    await this.relay.publish([event]);
    return { intentId: row.intentId, action: row.action, resource: row.resource, intentHash: row.intentHash };
  }
}

function whyNotRedeemable(row: GrantRow, tokenSha256: string, now: Date): BrokerError {
  switch (row.state) {
    case 'redeemed':
      return Errors.alreadyUsed();
    case 'expired':
      return Errors.expired();
    case 'revoked':
      return Errors.revoked();
    case 'issued':
      // Signed but never handed out (its claim lost a race): not a grant anyone was given.
      return Errors.invalid('unknown grant');
    case 'claimed':
      if (row.tokenSha256 !== tokenSha256) return Errors.invalid('unknown grant');
      return row.expiresAt !== null && row.expiresAt <= now ? Errors.expired() : Errors.alreadyUsed();
  }
}
