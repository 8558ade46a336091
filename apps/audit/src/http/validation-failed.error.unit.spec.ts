import { mapApiError } from '@countersign/platform/nest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationFailedError } from './validation-failed.error.js';

describe('ValidationFailedError', () => {
  it('answers 400 VALIDATION_FAILED naming each bad field', () => {
    const result = z.object({ intentId: z.uuid(), limit: z.number() }).safeParse({ intentId: 'nope', limit: 'x' });
    if (result.success) throw new Error('expected a failure');
    const mapped = mapApiError(new ValidationFailedError('query', result.error));
    expect([mapped.status, mapped.body.error.code, mapped.body.error.message]).toEqual([400, 'VALIDATION_FAILED', 'invalid query']);
    expect(mapped.body.error.issues?.map((i) => i.path).sort()).toEqual(['intentId', 'limit']);
  });
});
