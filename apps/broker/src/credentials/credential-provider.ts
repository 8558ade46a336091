import type { Resource } from '@countersign/contracts';

/**
 * A credential provider turns a claimed grant into something the target itself accepts (a database
 * role, cloud session keys, a Vault lease, a Kubernetes token) and takes it away again. The broker
 * keeps the bookkeeping (broker.credentials: kind, handle, state, when its use may start and must end)
 * and calls the provider at four points; a provider holds no state of its own between calls, so any
 * copy of broker (or one started after a crash) can finish what another began.
 */
export interface CredentialProvider {
  /** Stored with the credential to find the provider again; stable across releases. */
  readonly kind: string;
  /** Whether this provider serves the intent; providers are asked in order and the first one serves it. */
  supports(intent: GrantedIntent): boolean;
  /**
   * At claim, inside the claim's transaction (a throw leaves the grant unclaimed). The credential should
   * not work yet if the provider can arrange that (`activate` enables it): the redeem is the one atomic,
   * single-use step of a grant.
   */
  mint(grant: GrantForCredential, intent: GrantedIntent): Promise<MintedCredential>;
  /** At redeem, inside the redeem's transaction: enables the one use; returns when it must begin and end. */
  activate?(handle: CredentialHandle, at: { now: Date; expiresAt: Date }): Promise<UseWindow>;
  /**
   * After redeem, on every pass of the credential job: removes the credential once its use is over
   * (and stops a use that overran `endBy`). Without it, the credential is revoked at `endBy`.
   */
  settle?(handle: CredentialHandle, window: UseWindow, now: Date): Promise<Settlement>;
  /** Removes the credential now (grant expired or revoked, a claim that failed after mint). Idempotent. */
  revoke(handle: CredentialHandle): Promise<void>;
  /**
   * Credentials this provider made that no legitimate use can need any more at `now` (their grant's
   * expiry plus the longest use is past), whether or not the broker has a record of them. The stray
   * sweep removes those it has no live record of: what a crash between mint and commit left behind.
   * A target it cannot look at is named in `failures` (a CredentialError message), not thrown, so that
   * one unreachable target does not hide the strays of the others.
   */
  strays?(now: Date): Promise<{ found: CredentialHandle[]; failures: string[] }>;
}

/** JSON that lets a provider find its credential again, after a restart too. Never a secret. */
export type CredentialHandle = { [key: string]: string | number | boolean | null };

/** The intent the grant is bound to: exactly what the credential may do, and no more. */
export interface GrantedIntent {
  action: string;
  resource: Resource;
  args: Record<string, unknown>;
}

export interface GrantForCredential {
  grantId: string;
  jti: string;
  audience: string;
  /** The grant's `exp`: an unused credential must not outlive it. */
  expiresAt: Date;
  /** The signed grant, for providers whose credential is the grant itself. */
  token: string;
}

export interface MintedCredential {
  /** Handed to the requester once, in the claim answer; never stored, logged or published. */
  secret: string;
  /** What revoke needs; null when there is nothing to take back. */
  handle: CredentialHandle | null;
}

/** From redeem on: the use must begin by `startBy`; whatever still runs at `endBy` is cut off. */
export interface UseWindow {
  startBy: Date;
  endBy: Date;
}

export type Settlement = { removed: false } | { removed: true; why: string };

/**
 * A credential that could not be minted, enabled or removed. `refused`: the target will not do what the
 * intent asks (no such table), retrying cannot help; `unavailable`: try again later. The message is shown
 * to callers and logged, so it names the target and an error code, never a role, password or URL.
 */
export class CredentialError extends Error {
  constructor(
    readonly reason: 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'CredentialError';
  }
}
