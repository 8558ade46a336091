export type AuthErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'ISSUER_UNKNOWN'
  | 'AUDIENCE_MISMATCH';

/** The caller could not be authenticated. Messages are safe to return: they never echo the token. */
export class AuthError extends Error {
  readonly status = 401 as const;
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends Error {
  readonly status = 403 as const;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
