import type { z } from 'zod';
import { ApiError } from '@countersign/platform/nest';

/** A request that does not match its schema: 400 naming each bad field (mapped by ApiErrorFilter). */
export class ValidationFailedError extends ApiError<'VALIDATION_FAILED'> {
  constructor(what: string, error: z.ZodError) {
    super('VALIDATION_FAILED', 400, `invalid ${what}`, {
      issues: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
    this.name = 'ValidationFailedError';
  }
}
