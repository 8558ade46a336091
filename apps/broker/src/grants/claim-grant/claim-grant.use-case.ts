import { requireScope, type VerifiedIdentity } from '@countersign/platform/auth';
import { sha256Hex } from '@countersign/platform/crypto';
import type { Clock } from '@countersign/platform/runtime';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import { BrokerError, Errors } from '../errors.js';
import { buildGrantClaims } from '../grant-claims.js';
import type { GrantEvents } from '../grant-events.js';
import type { GrantKeys } from '../grant-keys.js';
import type { GrantRow, GrantStore } from '../grant-store.js';

export const CLAIM_SCOPE = 'grants:claim';

export interface ClaimedGrant {
  /** The signed grant. The only place it ever exists in clear: it is neither stored nor logged. */
  grant: string;
  expiresAt: string;
  audience: string;
  jti: string;
}

export class ClaimGrant {
  constructor(
    private readonly store: GrantStore,
    private readonly keys: GrantKeys,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  async execute(identity: VerifiedIdentity, intentId: string): Promise<ClaimedGrant> {
    requireScope(identity, CLAIM_SCOPE);
    const row = await this.store.findByIntentId(intentId);
    if (!row) throw Errors.notFound();
    const { subject, issuer } = identity.requester;
    if (row.requesterSubject !== subject || row.requesterIssuer !== issuer) throw Errors.notRequester();
    const now = this.clock.now();
    const refusal = whyNotClaimable(row, now);
    if (refusal) throw refusal;

    // Signed before the UPDATE so that the stored hash and the returned token are the same bytes;
    // if the UPDATE loses a race, this token is dropped unseen.
    const { claims, expiresAt } = buildGrantClaims({
      jti: row.jti,
      intentId: row.intentId,
      intentHash: row.intentHash,
      requesterSubject: row.requesterSubject,
      audience: row.audience,
      action: row.action,
      resource: row.resource,
      issuedAt: now,
      useTtlSeconds: row.useTtlSeconds,
    });
    const grant = await this.keys.sign(claims);
    const tokenSha256 = sha256Hex(grant);
    const event = this.events.claimed(row, expiresAt, tokenSha256);
    const won = await this.store.claim({
      intentId,
      requesterSubject: subject,
      requesterIssuer: issuer,
      now,
      expiresAt,
      tokenSha256,
      kid: this.keys.kid,
      event,
    });
    if (!won) {
      const current = await this.store.findByIntentId(intentId);
      throw (current && whyNotClaimable(current, now)) ?? Errors.alreadyClaimed();
    }
    await this.relay.publish([event]);
    return { grant, expiresAt: expiresAt.toISOString(), audience: row.audience, jti: row.jti };
  }
}

function whyNotClaimable(row: GrantRow, now: Date): BrokerError | undefined {
  switch (row.state) {
    case 'issued':
      return row.claimBy <= now ? Errors.claimExpired() : undefined;
    case 'claimed':
    case 'redeemed':
      return Errors.alreadyClaimed();
    case 'expired':
      return row.expiresAt === null ? Errors.claimExpired() : Errors.alreadyClaimed();
    case 'revoked':
      return Errors.revoked();
  }
}
