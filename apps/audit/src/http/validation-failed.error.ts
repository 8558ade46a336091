import type { z } from 'zod';

export class ValidationFailedError extends Error {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
  readonly issues: Array<{ path: string; message: string }>;
  constructor(what: string, error: z.ZodError) {
    super(`invalid ${what}`);
    this.name = 'ValidationFailedError';
    this.issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  }
}
