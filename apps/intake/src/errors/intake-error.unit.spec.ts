import { mapApiError } from '@countersign/platform/nest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldIssues, IntakeError, validationFailed } from './intake-error.js';

describe('IntakeError', () => {
  it.each([
    ['VALIDATION_FAILED', 400],
    ['INVALID_JSON', 400],
    ['NOT_FOUND', 404],
    ['IDEMPOTENCY_KEY_REUSED', 422],
    ['PUBLISH_FAILED', 503],
  ] as const)('%s → %i', (code, status) => {
    expect(mapApiError(new IntakeError(code, 'x'))).toMatchObject({ status, body: { error: { code } } });
  });

  it('asks the caller to retry a failed publish after the given delay', () => {
    const m = mapApiError(new IntakeError('PUBLISH_FAILED', 'x', { retryAfterSeconds: 1 }));
    expect([m.status, m.headers['Retry-After']]).toEqual([503, '1']);
  });

  it('names each bad field of a validation failure, unknown keys included', () => {
    const schema = z.strictObject({ resource: z.object({ env: z.string().regex(/^[a-z]+$/) }) });
    const result = schema.safeParse({ resource: { env: 'PROD' }, requester: 'me' });
    if (result.success) throw new Error('expected a failure');
    const m = mapApiError(validationFailed(fieldIssues(result.error.issues)));
    expect(m.status).toBe(400);
    expect(m.body.error.code).toBe('VALIDATION_FAILED');
    expect(m.body.error.issues?.map((i) => i.path).sort()).toEqual(['requester', 'resource.env']);
    expect(m.body.error.message).toContain('requester');
  });
});
