import type { ClaimedGrantResponse, Intent } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { requireScope, type VerifiedIdentity } from '@countersign/platform/auth';
import { sha256Hex } from '@countersign/platform/crypto';
import type { Logger } from '@countersign/platform/logging';
import type { Clock } from '@countersign/platform/runtime';
import { CredentialError, type CredentialProvider, type MintedCredential } from '../../credentials/credential-provider.js';
import type { CredentialProviders } from '../../credentials/credential-providers.js';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import { BrokerError, Errors, fromCredentialError } from '../errors.js';
import { buildGrantClaims } from '../grant-claims.js';
import type { GrantEvents } from '../grant-events.js';
import type { GrantKeys } from '../grant-keys.js';
import type { GrantRow, GrantStore } from '../grant-store.js';

export const CLAIM_SCOPE = 'grants:claim';

interface Minted {
  provider: CredentialProvider;
  credential: MintedCredential;
}

/** The signed grant and the credential: the only place either ever exists in clear (neither stored nor logged). */
export type ClaimedGrant = ClaimedGrantResponse;

export class ClaimGrant {
  constructor(
    private readonly store: GrantStore,
    private readonly keys: GrantKeys,
    private readonly providers: CredentialProviders,
    private readonly events: GrantEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly logger: Logger,
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

    // Signed before the transaction so that the stored hash and the returned token are the same bytes;
    // if the claim loses a race, this token is dropped unseen.
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
    const { token, kid } = await this.keys.sign(claims);
    const tokenSha256 = sha256Hex(token);
    const event = this.events.claimed(row, expiresAt, tokenSha256);
    const claim = { intentId, requesterSubject: subject, requesterIssuer: issuer, now, expiresAt, tokenSha256, kid, event };
    let minted: Minted | undefined;
    let won: Minted | undefined;
    try {
      won = await this.store.claim(claim, async (args) => {
        minted = await this.mint(row, args, { grantId: row.id, jti: row.jti, audience: row.audience, expiresAt, token });
        const { handle } = minted.credential;
        return { value: minted, credential: handle ? { kind: minted.provider.kind, handle } : null };
      });
    } catch (error) {
      // The claim did not commit: what the provider made must not outlive it.
      if (minted) await this.undo(minted, row);
      throw fromCredentialError(error);
    }
    if (!won) {
      const current = await this.store.findByIntentId(intentId);
      throw (current && whyNotClaimable(current, now)) ?? Errors.alreadyClaimed();
    }
    await this.relay.publish([event]);
    return {
      grant: token,
      expiresAt: expiresAt.toISOString(),
      audience: row.audience,
      jti: row.jti,
      credential: { kind: won.provider.kind, secret: won.credential.secret },
    };
  }

  private async mint(
    row: GrantRow,
    recordedArgs: Record<string, unknown> | null,
    grant: Parameters<CredentialProvider['mint']>[0],
  ): Promise<Minted> {
    const intent = { action: row.action, resource: row.resource, args: recordedArgs ?? {} };
    // The arguments decide what the credential may do: they must be the ones approved.
    // JSONB read back from broker.intents: JSON values by construction.
    if (recordedArgs !== null && intentHash({ ...intent, args: recordedArgs as Intent['args'] }) !== row.intentHash) {
      throw new CredentialError('refused', 'the recorded intent does not match the hash its grant is bound to');
    }
    const provider = this.providers.for(intent);
    return { provider, credential: await provider.mint(grant, intent) };
  }

  private async undo({ provider, credential }: Minted, row: GrantRow): Promise<void> {
    if (!credential.handle) return;
    await provider.revoke(credential.handle).catch((error: unknown) => {
      const reason = error instanceof CredentialError ? error.message : 'unexpected error';
      // Its secret was never handed out, and a provider that can makes it usable only at redeem.
      this.logger.error({ grantId: row.id, jti: row.jti, kind: provider.kind, reason }, 'credential of a failed claim not removed');
    });
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
