import {
  createEvent,
  GrantClaimedV1,
  GrantCredentialRemovedV1,
  GrantExpiredV1,
  GrantIssuedV1,
  GrantRedeemedV1,
  GrantRevokedV1,
  type Actor,
} from '@countersign/contracts';
import type { Clock, IdGenerator } from '@countersign/platform/runtime';

export const BROKER_ACTOR: Actor = { kind: 'service', id: 'broker' };

interface GrantRef {
  id: string;
  intentId: string;
  jti: string;
  intentHash: string;
}

/** Builds the grant events. None of them carries the token: only its hash, at claim. */
export class GrantEvents {
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  issued(g: GrantRef & { audience: string; claimBy: Date }, causationId: string) {
    return createEvent(GrantIssuedV1, {
      ...this.envelope(g),
      causationId,
      data: { ...ref(g), audience: g.audience, claimBy: g.claimBy.toISOString() },
    });
  }

  claimed(g: GrantRef, expiresAt: Date, tokenSha256: string) {
    return createEvent(GrantClaimedV1, {
      ...this.envelope(g),
      data: { ...ref(g), expiresAt: expiresAt.toISOString(), tokenSha256 },
    });
  }

  redeemed(g: GrantRef, audience: string) {
    return createEvent(GrantRedeemedV1, { ...this.envelope(g), data: { ...ref(g), audience } });
  }

  expired(g: GrantRef, stage: 'unclaimed' | 'unused') {
    return createEvent(GrantExpiredV1, { ...this.envelope(g), data: { ...ref(g), stage } });
  }

  /** The actor is the person who revoked it, from their verified token. */
  revoked(g: GrantRef, by: Actor, reason: string) {
    return createEvent(GrantRevokedV1, { ...this.envelope(g), actor: by, data: { ...ref(g), reason } });
  }

  credentialRemoved(c: { grantId: string; intentId: string; jti: string; kind: string }, reason: string) {
    return createEvent(GrantCredentialRemovedV1, {
      ...this.envelope(c),
      data: { grantId: c.grantId, jti: c.jti, kind: c.kind, reason },
    });
  }

  private envelope(g: { intentId: string }) {
    return { id: this.ids.next(), occurredAt: this.clock.now(), intentId: g.intentId, actor: BROKER_ACTOR };
  }
}

function ref(g: GrantRef) {
  return { grantId: g.id, jti: g.jti, intentHash: g.intentHash };
}
