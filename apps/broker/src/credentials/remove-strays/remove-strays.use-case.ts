import type { Logger } from '@countersign/platform/logging';
import type { Clock } from '@countersign/platform/runtime';
import { CredentialError, type CredentialHandle } from '../credential-provider.js';
import type { CredentialProviders } from '../credential-providers.js';
import type { CredentialStore } from '../credential-store.js';

/**
 * Removes credentials that providers made but the broker has no live record of: a claim whose target
 * work committed while the broker's own transaction did not (a crash in between) leaves a role that can
 * never log in, yet still holds its privilege. Only what no legitimate use can need any more is touched
 * (each provider says which), so a slow clock or another copy of broker mid-claim loses nothing.
 * Logged as counts per provider: a stray's handle may name a role, which logs never carry.
 */
export class RemoveStrayCredentials {
  constructor(
    private readonly store: CredentialStore,
    private readonly providers: CredentialProviders,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async execute(): Promise<number> {
    let removed = 0;
    for (const kind of this.providers.kinds) {
      const provider = this.providers.kind(kind);
      if (!provider?.strays) continue;
      try {
        const { found: candidates, failures } = await provider.strays(this.clock.now());
        for (const reason of failures) this.logger.warn({ kind, reason }, 'stray credential sweep skipped a target; the next pass tries again');
        const live = new Set((await this.store.live(kind, candidates)).map(key));
        const strays = candidates.filter((h) => !live.has(key(h)));
        for (const handle of strays) await provider.revoke(handle);
        if (strays.length > 0) this.logger.warn({ kind, removed: strays.length }, 'stray credentials removed (left by an interrupted claim)');
        removed += strays.length;
      } catch (error) {
        const reason = error instanceof CredentialError ? error.message : 'unexpected error';
        this.logger.warn({ kind, reason }, 'stray credential sweep failed; the next pass tries again');
      }
    }
    return removed;
  }
}

/** The same handle whatever the key order JSONB gave it back in. */
function key(handle: CredentialHandle): string {
  return JSON.stringify(Object.keys(handle).sort().map((k) => [k, handle[k]]));
}
