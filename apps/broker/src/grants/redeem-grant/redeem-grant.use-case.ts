import type { RedeemedGrantResponse } from '@countersign/contracts';
import { sha256Hex } from '@countersign/platform/crypto';
import type { Clock } from '@countersign/platform/runtime';
import { CredentialError } from '../../credentials/credential-provider.js';
import type { CredentialProviders } from '../../credentials/credential-providers.js';
import type { CredentialRow, CredentialStore } from '../../credentials/credential-store.js';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import { type BrokerError, Errors, fromCredentialError } from '../errors.js';
import type { GrantEvents } from '../grant-events.js';
import type { GrantKeys } from '../grant-keys.js';
import type { Db, GrantRow, GrantStore } from '../grant-store.js';
import { mismatchedClaim } from './grant-binding.js';

export type RedeemedGrant = RedeemedGrantResponse;

/**
 * The target (or the requester, for a credential the broker enables) presents a grant; it is good
 * exactly once, for its audience, before it expires. A credential minted at claim is enabled by the
 * one redeem that wins, in the same transaction.
 */
export class RedeemGrant {
  constructor(
    private readonly store: GrantStore,
    private readonly credentials: CredentialStore,
    private readonly providers: CredentialProviders,
    private readonly keys: GrantKeys,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  async execute(grant: string, audience: string): Promise<RedeemedGrant> {
    const now = this.clock.now();
    const { claims, kid } = await this.keys.verify(grant, audience, now);
    const row = await this.store.findByJti(claims.jti);
    if (!row) throw Errors.invalid('unknown grant');
    const mismatch = mismatchedClaim(claims, kid, row);
    if (mismatch !== undefined) throw Errors.invalid(`${mismatch} does not match the grant issued`);
    const tokenSha256 = sha256Hex(grant);
    const event = this.events.redeemed(row, audience);
    const credential = await this.credentials.findByGrant(row.id);
    const enable = credential?.state === 'minted' ? (tx: Db) => this.enable(tx, row, credential, now) : undefined;
    let won: boolean;
    try {
      won = await this.store.redeem({ jti: row.jti, tokenSha256, now, event }, enable);
    } catch (error) {
      throw fromCredentialError(error);
    }
    if (!won) {
      const current = (await this.store.findByJti(row.jti)) ?? row;
      throw whyNotRedeemable(current, tokenSha256, now);
    }
    await this.relay.publish([event]);
    return { intentId: row.intentId, action: row.action, resource: row.resource, intentHash: row.intentHash };
  }

  private async enable(tx: Db, row: GrantRow, credential: CredentialRow, now: Date): Promise<void> {
    const provider = this.providers.kind(credential.kind);
    if (!provider) throw new CredentialError('unavailable', `no credential provider of kind ${credential.kind} is configured`);
    const expiresAt = row.expiresAt ?? now;
    const window = provider.activate ? await provider.activate(credential.handle, { now, expiresAt }) : { startBy: expiresAt, endBy: expiresAt };
    await this.credentials.activate(tx, row.id, window, now);
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
