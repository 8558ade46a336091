import { ApiError } from '@countersign/platform/nest';

export const NOTIFIER_ERROR_STATUS = {
  SIGNATURE_MISSING: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_VERSION_UNSUPPORTED: 401,
  TIMESTAMP_INVALID: 401,
  TIMESTAMP_STALE: 401,
  REQUEST_REPLAYED: 409,
  TEAMS_TOKEN_MISSING: 401,
  TEAMS_TOKEN_INVALID: 401,
  TEAMS_TOKEN_EXPIRED: 401,
  TEAMS_ISSUER_MISMATCH: 401,
  TEAMS_AUDIENCE_MISMATCH: 401,
  TEAMS_SERVICE_URL_MISMATCH: 401,
  TEAMS_KEYS_UNAVAILABLE: 503,
  PAYLOAD_INVALID: 400,
  PUBLISH_FAILED: 503,
} as const;
export type NotifierErrorCode = keyof typeof NOTIFIER_ERROR_STATUS;

/** A failure the HTTP caller may see; its status comes from the table above, the response from ApiErrorFilter. */
export class NotifierError extends ApiError<NotifierErrorCode> {
  constructor(code: NotifierErrorCode, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(code, NOTIFIER_ERROR_STATUS[code], message, options);
    this.name = 'NotifierError';
  }
}
