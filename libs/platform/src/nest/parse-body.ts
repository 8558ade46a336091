import type { z } from 'zod';
import { ApiError, type ApiIssue } from './api-error.js';

/** Parses a request body; a failure becomes 400 VALIDATION_FAILED naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issues: ApiIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
  }));
  const summary = issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');
  throw new ApiError('VALIDATION_FAILED', 400, `invalid request: ${summary}`, { issues });
}
