import type { GrantErrorCode } from '@countersign/contracts';
import { ApiError, type ApiIssue } from '@countersign/platform/nest';
import { CredentialError } from '../credentials/credential-provider.js';

/**
 * Everything a grant use case can refuse, each with a stable code and the HTTP status it maps to.
 * ApiErrorFilter (@countersign/platform/nest) is the only place that turns these into responses.
 */

export type BrokerErrorCode = GrantErrorCode;

const STATUS: Record<BrokerErrorCode, number> = {
  GRANT_INVALID: 401,
  GRANT_TOKEN_EXPIRED: 401,
  NOT_GRANT_REQUESTER: 403,
  AUDIENCE_MISMATCH: 403,
  GRANT_NOT_FOUND: 404,
  GRANT_ALREADY_CLAIMED: 409,
  GRANT_ALREADY_USED: 409,
  GRANT_CLAIM_EXPIRED: 410,
  GRANT_EXPIRED: 410,
  GRANT_REVOKED: 410,
  CREDENTIAL_REFUSED: 422,
  CREDENTIAL_UNAVAILABLE: 503,
};

/** How long a caller should wait before claiming or redeeming again after CREDENTIAL_UNAVAILABLE. */
const CREDENTIAL_RETRY_AFTER_SECONDS = 5;

export type ValidationIssue = ApiIssue;

export class BrokerError extends ApiError<BrokerErrorCode> {
  constructor(code: BrokerErrorCode, message: string, issues?: ValidationIssue[]) {
    super(code, STATUS[code], message, {
      ...(issues ? { issues } : {}),
      ...(code === 'CREDENTIAL_UNAVAILABLE' ? { retryAfterSeconds: CREDENTIAL_RETRY_AFTER_SECONDS } : {}),
    });
    this.name = 'BrokerError';
  }
}

export const Errors = {
  notRequester: () => new BrokerError('NOT_GRANT_REQUESTER', 'only the identity that submitted the intent may claim its grant'),
  notFound: () => new BrokerError('GRANT_NOT_FOUND', 'no grant exists for this intent'),
  alreadyClaimed: () => new BrokerError('GRANT_ALREADY_CLAIMED', 'the grant has already been claimed'),
  claimExpired: () => new BrokerError('GRANT_CLAIM_EXPIRED', 'the claim window of this grant has passed'),
  revoked: () => new BrokerError('GRANT_REVOKED', 'the grant has been revoked'),
  invalid: (why: string) => new BrokerError('GRANT_INVALID', `the grant is not valid: ${why}`),
  tokenExpired: () => new BrokerError('GRANT_TOKEN_EXPIRED', 'the grant has expired'),
  audienceMismatch: () => new BrokerError('AUDIENCE_MISMATCH', 'the grant was issued for another audience'),
  alreadyUsed: () => new BrokerError('GRANT_ALREADY_USED', 'the grant has already been used'),
  expired: () => new BrokerError('GRANT_EXPIRED', 'the grant expired before it was used'),
  /** `why` comes from a CredentialError: written to be shown, it names no role, password or URL. */
  credentialRefused: (why: string) => new BrokerError('CREDENTIAL_REFUSED', `the credential cannot be created: ${why}`),
  credentialUnavailable: (why: string) => new BrokerError('CREDENTIAL_UNAVAILABLE', `the credential is unavailable for now: ${why}`),
};

/** A provider's failure as the caller sees it; anything else passes through unchanged. */
export function fromCredentialError(error: unknown): unknown {
  if (!(error instanceof CredentialError)) return error;
  return error.reason === 'refused' ? Errors.credentialRefused(error.message) : Errors.credentialUnavailable(error.message);
}
