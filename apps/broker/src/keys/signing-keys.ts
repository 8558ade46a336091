import type { Ed25519Key, JWK } from '@countersign/platform/crypto';
import type { Logger } from '@countersign/platform/logging';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { KeyRing, KeySource } from './key-source.js';

interface Loaded {
  ring: KeyRing;
  jwks: { keys: JWK[] };
  verifyKeys: JWTVerifyGetKey;
}

function prepare(ring: KeyRing): Loaded {
  // Active first: a client that takes the first key of the JWKS gets the one signing now.
  const keys = [ring.active, ...ring.keys.filter((k) => k.kid !== ring.active.kid)];
  const jwks = { keys: keys.map((k) => k.publicJwk()) };
  return { ring: { active: ring.active, keys }, jwks, verifyKeys: createLocalJWKSet(jwks) };
}

const summary = (ring: KeyRing) => ({ activeKid: ring.active.kid, kids: ring.keys.map((k) => k.kid) });

/**
 * The broker's key set, imported once per load (parsing a PEM per signature costs 10x, STACK.md) and
 * swapped whole on reload. A reload that fails keeps the set in force: a half-copied key file must not
 * stop the broker from signing or make it forget keys that verify outstanding grants.
 */
export class SigningKeys {
  #loaded: Loaded;
  #lastReadAt: number;
  #reading: Promise<boolean> | undefined;

  private constructor(
    private readonly source: KeySource,
    private readonly logger: Logger,
    loaded: Loaded,
  ) {
    this.#loaded = loaded;
    this.#lastReadAt = Date.now();
  }

  /** Fails when the source cannot be read: the broker must not start without a key. */
  static async load(source: KeySource, logger: Logger): Promise<SigningKeys> {
    const ring = await source.read();
    logger.info({ location: source.location, ...summary(ring) }, 'grant signing keys loaded');
    return new SigningKeys(source, logger, prepare(ring));
  }

  get active(): Ed25519Key {
    return this.#loaded.ring.active;
  }

  jwks(): { keys: JWK[] } {
    return this.#loaded.jwks;
  }

  get verifyKeys(): JWTVerifyGetKey {
    return this.#loaded.verifyKeys;
  }

  has(kid: string): boolean {
    return this.#loaded.ring.keys.some((k) => k.kid === kid);
  }

  /** Reads the source again; true if the set changed. Concurrent callers share one read. */
  reload(): Promise<boolean> {
    this.#reading ??= this.read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  /**
   * For a grant signed by a key this copy has not loaded yet (another copy of broker reloaded first):
   * reads again unless it did within `minIntervalMs`, so that junk kids cannot make it read on every call.
   */
  async reloadIfOlderThan(minIntervalMs: number): Promise<boolean> {
    if (Date.now() - this.#lastReadAt < minIntervalMs) return false;
    return this.reload();
  }

  private async read(): Promise<boolean> {
    this.#lastReadAt = Date.now();
    let ring: KeyRing;
    try {
      ring = await this.source.read();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.error({ location: this.source.location, reason, inForce: summary(this.#loaded.ring) }, 'signing keys not reloaded; the set in force stays');
      return false;
    }
    const before = summary(this.#loaded.ring);
    const after = summary(ring);
    const same = before.activeKid === after.activeKid && [...before.kids].sort().join() === [...after.kids].sort().join();
    if (same) return false;
    this.#loaded = prepare(ring);
    this.logger.info({ location: this.source.location, ...after, previousActiveKid: before.activeKid }, 'grant signing keys reloaded');
    return true;
  }
}
