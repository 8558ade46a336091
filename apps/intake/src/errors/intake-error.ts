import { ApiError, type ApiIssue } from '@countersign/platform/nest';

export type FieldIssue = ApiIssue;

export const INTAKE_ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  NOT_REQUESTER: 403,
  NOT_FOUND: 404,
  INTENT_DECIDED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PUBLISH_FAILED: 503,
} as const;
export type IntakeErrorCode = keyof typeof INTAKE_ERROR_STATUS;

/** A use-case failure the caller may see; its status comes from the table above, the response from ApiErrorFilter. */
export class IntakeError extends ApiError<IntakeErrorCode> {
  constructor(code: IntakeErrorCode, message: string, details: { issues?: FieldIssue[]; retryAfterSeconds?: number } = {}) {
    super(code, INTAKE_ERROR_STATUS[code], message, details);
    this.name = 'IntakeError';
  }
}

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
