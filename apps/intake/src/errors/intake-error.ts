export interface FieldIssue {
  path: string;
  message: string;
}

/** A use-case failure the HTTP edge can explain to the caller; mapped to a status in one place. */
export class IntakeError extends Error {
  constructor(
    readonly code: IntakeErrorCode,
    message: string,
    readonly details: { issues?: FieldIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}

export const INTAKE_ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 422,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  PUBLISH_FAILED: 503,
  UNAVAILABLE: 503,
} as const;
export type IntakeErrorCode = keyof typeof INTAKE_ERROR_STATUS;

export function validationFailed(issues: FieldIssue[], what = 'request'): IntakeError {
  const summary = issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');
  return new IntakeError('VALIDATION_FAILED', `invalid ${what}: ${summary}`, { issues });
}

interface ZodLikeIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: readonly string[];
}

/** Zod issues as `{ path: 'resource.env', message }`, the shape clients see; an unknown key names itself. */
export function fieldIssues(issues: readonly ZodLikeIssue[]): FieldIssue[] {
  return issues.flatMap((i) => {
    const base = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys?.length) {
      return i.keys.map((k) => ({ path: [...base, k].join('.'), message: 'is not allowed here' }));
    }
    return [{ path: base.join('.'), message: i.message }];
  });
}
