import { Inject, Injectable } from '@nestjs/common';
import { TokenVerifier, type VerifiedIdentity } from '@countersign/platform/auth';
import { Clock } from '@countersign/platform/runtime';

/** How long a verified token is served from memory; bounds how late a JWKS key removal takes effect. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Remembers successfully verified bearer tokens (exact header value) until their `exp` or for at most
 * VERIFIED_TOKEN_TTL_MS. Verifying an EdDSA JWT costs more CPU than the rest of a request, and clients
 * long-polling an intent send the same token again and again. Failures are never cached; an entry past
 * its `exp` goes through full verification again (which applies the clock tolerance and answers 401).
 */
@Injectable()
export class VerifiedTokens {
  private readonly entries = new Map<string, { identity: VerifiedIdentity; until: number }>();

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async verifyBearer(header: string | undefined): Promise<VerifiedIdentity> {
    const now = this.clock.now().getTime();
    if (header !== undefined) {
      const hit = this.entries.get(header);
      if (hit && hit.until > now) return hit.identity;
      if (hit) this.entries.delete(header);
    }
    const identity = await this.verifier.verifyBearer(header);
    if (header !== undefined) this.remember(header, identity, now);
    return identity;
  }

  get size(): number {
    return this.entries.size;
  }

  private remember(header: string, identity: VerifiedIdentity, now: number): void {
    const until = Math.min(identity.expiresAt.getTime(), now + VERIFIED_TOKEN_TTL_MS);
    if (until <= now) return;
    // Map iteration order is insertion order: dropping the first entry drops the oldest.
    const oldest = this.entries.keys().next();
    if (this.entries.size >= MAX_ENTRIES && !oldest.done) this.entries.delete(oldest.value);
    this.entries.set(header, { identity, until });
  }
}
