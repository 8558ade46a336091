import type { z } from 'zod';
import { Errors } from '../grants/errors.js';

/** Parses a request body; a failure becomes 400 VALIDATION_FAILED naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw Errors.validation(
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}
