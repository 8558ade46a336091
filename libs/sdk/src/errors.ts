import type { GrantErrorCode } from '@countersign/contracts';

/** Why `verifyGrant` refused a token. Messages never quote the token. */
export type VerifyErrorCode = 'GRANT_INVALID' | 'GRANT_TOKEN_EXPIRED' | 'AUDIENCE_MISMATCH' | 'INTENT_HASH_MISMATCH' | 'JWKS_UNAVAILABLE';

export class GrantVerificationError extends Error {
  constructor(
    readonly code: VerifyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GrantVerificationError';
  }
}

/**
 * A call to the broker that did not succeed. `code` is the broker's error code (a `GrantErrorCode`, or
 * a generic one such as `UNAUTHENTICATED`), or `BROKER_UNAVAILABLE` when no answer came, or
 * `UNEXPECTED_RESPONSE` when the answer was not the documented shape. Each grant code has its own
 * subclass below, so callers can `instanceof` the case they handle.
 */
export class BrokerRequestError extends Error {
  constructor(
    readonly code: string,
    /** HTTP status, when an answer came. */
    readonly status: number | undefined,
    message: string,
    /** From `Retry-After` (CREDENTIAL_UNAVAILABLE). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'BrokerRequestError';
  }
}

function refusal<C extends GrantErrorCode>(code: C, name: string) {
  return class extends BrokerRequestError {
    declare readonly code: C;
    constructor(status: number, message: string, retryAfterSeconds?: number) {
      super(code, status, message, retryAfterSeconds);
      this.name = name;
    }
  };
}

export class NotGrantRequesterError extends refusal('NOT_GRANT_REQUESTER', 'NotGrantRequesterError') {}
export class GrantNotFoundError extends refusal('GRANT_NOT_FOUND', 'GrantNotFoundError') {}
export class GrantAlreadyClaimedError extends refusal('GRANT_ALREADY_CLAIMED', 'GrantAlreadyClaimedError') {}
export class GrantClaimExpiredError extends refusal('GRANT_CLAIM_EXPIRED', 'GrantClaimExpiredError') {}
export class GrantRevokedError extends refusal('GRANT_REVOKED', 'GrantRevokedError') {}
export class GrantInvalidError extends refusal('GRANT_INVALID', 'GrantInvalidError') {}
export class GrantTokenExpiredError extends refusal('GRANT_TOKEN_EXPIRED', 'GrantTokenExpiredError') {}
export class AudienceMismatchError extends refusal('AUDIENCE_MISMATCH', 'AudienceMismatchError') {}
export class GrantAlreadyUsedError extends refusal('GRANT_ALREADY_USED', 'GrantAlreadyUsedError') {}
export class GrantExpiredError extends refusal('GRANT_EXPIRED', 'GrantExpiredError') {}
export class CredentialRefusedError extends refusal('CREDENTIAL_REFUSED', 'CredentialRefusedError') {}
export class CredentialUnavailableError extends refusal('CREDENTIAL_UNAVAILABLE', 'CredentialUnavailableError') {}

type RefusalClass = new (status: number, message: string, retryAfterSeconds?: number) => BrokerRequestError;

const BY_CODE: Record<GrantErrorCode, RefusalClass> = {
  NOT_GRANT_REQUESTER: NotGrantRequesterError,
  GRANT_NOT_FOUND: GrantNotFoundError,
  GRANT_ALREADY_CLAIMED: GrantAlreadyClaimedError,
  GRANT_CLAIM_EXPIRED: GrantClaimExpiredError,
  GRANT_REVOKED: GrantRevokedError,
  GRANT_INVALID: GrantInvalidError,
  GRANT_TOKEN_EXPIRED: GrantTokenExpiredError,
  AUDIENCE_MISMATCH: AudienceMismatchError,
  GRANT_ALREADY_USED: GrantAlreadyUsedError,
  GRANT_EXPIRED: GrantExpiredError,
  CREDENTIAL_REFUSED: CredentialRefusedError,
  CREDENTIAL_UNAVAILABLE: CredentialUnavailableError,
};

/** The typed error for a broker's `{ error: { code, message } }` answer. */
export function brokerError(code: string, status: number, message: string, retryAfterSeconds?: number): BrokerRequestError {
  const Refusal = (BY_CODE as Partial<Record<string, RefusalClass>>)[code];
  return Refusal ? new Refusal(status, message, retryAfterSeconds) : new BrokerRequestError(code, status, message, retryAfterSeconds);
}
