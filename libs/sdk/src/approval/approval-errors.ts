/**
 * Why `requireApproval` did not hand out a grant. Every case is its own class, so a caller can
 * `instanceof` what it handles; all carry the intent id (undefined only when no intent was created:
 * a refused or unanswered submit). Messages never quote a token or a grant.
 */
export type ApprovalErrorCode = 'DENIED' | 'REJECTED' | 'EXPIRED' | 'TIMEOUT' | 'WITHDRAWN' | 'ABORTED' | 'REFUSED' | 'UNREACHABLE';

export class ApprovalError extends Error {
  constructor(
    readonly code: ApprovalErrorCode,
    readonly intentId: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApprovalError';
  }
}

/** The policy denied the intent; `reasons` are the denying rules' reasons. */
export class DeniedError extends ApprovalError {
  constructor(intentId: string, readonly reasons: readonly string[]) {
    super('DENIED', intentId, `intent ${intentId} denied by policy${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
    this.name = 'DeniedError';
  }
}

/** A reviewer rejected the intent (`reasons` name who and why). */
export class RejectedError extends ApprovalError {
  constructor(intentId: string, readonly reasons: readonly string[]) {
    super('REJECTED', intentId, `intent ${intentId} rejected by a reviewer${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
    this.name = 'RejectedError';
  }
}

/** The review expired undecided, or the grant expired before it was claimed (`stage`). */
export class ExpiredError extends ApprovalError {
  constructor(intentId: string, readonly stage: 'review' | 'grant') {
    super('EXPIRED', intentId, stage === 'review' ? `the review of intent ${intentId} expired without a decision` : `the grant of intent ${intentId} expired before it was claimed`);
    this.name = 'ExpiredError';
  }
}

/** `timeoutMs` passed before a decision. The intent stays pending unless `withdrawOnTimeout` was set (`withdrawn`). */
export class TimeoutError extends ApprovalError {
  constructor(intentId: string, readonly timeoutMs: number, readonly withdrawn: boolean) {
    super('TIMEOUT', intentId, `no decision on intent ${intentId} within ${Math.round(timeoutMs / 1000)} s${withdrawn ? ' (withdrawn)' : ''}`);
    this.name = 'TimeoutError';
  }
}

/** The intent was withdrawn: by this call's AbortSignal (`cause` is the abort reason), or by its requester elsewhere. */
export class WithdrawnError extends ApprovalError {
  constructor(intentId: string, options?: { cause?: unknown }) {
    super('WITHDRAWN', intentId, `intent ${intentId} was withdrawn`, options);
    this.name = 'WithdrawnError';
  }
}

/**
 * The AbortSignal fired but the intent could not be withdrawn (already decided, or intake unreachable):
 * `state` is the last state seen. No grant was claimed; an unclaimed grant expires on its own.
 */
export class AbortedError extends ApprovalError {
  constructor(intentId: string, readonly state: string | undefined, options?: { cause?: unknown }) {
    super('ABORTED', intentId, `stopped waiting for intent ${intentId}${state ? ` (last state ${state})` : ''}; it could not be withdrawn`, options);
    this.name = 'AbortedError';
  }
}

/**
 * A server refused a request with a 4xx: `status`, the server's error `serverCode` (VALIDATION_FAILED,
 * UNAUTHENTICATED, SCOPE_MISSING, a broker grant code …) and, for a validation error, the first bad
 * `field` (`resource.env`). Not worth retrying until the request or the token changes.
 */
export class RefusedError extends ApprovalError {
  constructor(
    intentId: string | undefined,
    readonly status: number,
    readonly serverCode: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super('REFUSED', intentId, message, options);
    this.name = 'RefusedError';
  }
}

/** No answer (connection refused, DNS, timeout) or a 5xx from `url`'s origin; worth retrying later. */
export class UnreachableError extends ApprovalError {
  constructor(intentId: string | undefined, readonly origin: string, why: string, options?: { cause?: unknown }) {
    super('UNREACHABLE', intentId, `cannot reach ${origin}: ${why}`, options);
    this.name = 'UnreachableError';
  }
}
