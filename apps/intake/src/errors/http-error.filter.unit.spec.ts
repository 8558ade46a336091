import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { AuthError, ForbiddenError } from '@countersign/platform/auth';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mapError } from './http-error.filter.js';
import { fieldIssues, IntakeError, validationFailed } from './intake-error.js';

describe('mapError', () => {
  it('answers 401 with a Bearer challenge for auth failures', () => {
    const m = mapError(new AuthError('TOKEN_EXPIRED', 'the token has expired'));
    expect(m.status).toBe(401);
    expect(m.headers?.['WWW-Authenticate']).toMatch(/^Bearer /);
    expect(m.body).toEqual({ error: { code: 'TOKEN_EXPIRED', message: 'the token has expired' } });
  });

  it('maps each use-case error code to its status', () => {
    expect(mapError(new ForbiddenError('SCOPE_MISSING', 'x')).status).toBe(403);
    expect(mapError(new IntakeError('NOT_FOUND', 'x')).status).toBe(404);
    expect(mapError(new IntakeError('IDEMPOTENCY_KEY_REUSED', 'x')).status).toBe(422);
    expect(mapError(new IntakeError('CONFLICT', 'x')).status).toBe(409);
    const unavailable = mapError(new IntakeError('PUBLISH_FAILED', 'x', { retryAfterSeconds: 1 }));
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers?.['Retry-After']).toBe('1');
  });

  it('names each bad field of a validation failure, unknown keys included', () => {
    const schema = z.strictObject({ resource: z.object({ env: z.string().regex(/^[a-z]+$/) }) });
    const result = schema.safeParse({ resource: { env: 'PROD' }, requester: 'me' });
    if (result.success) throw new Error('expected a failure');
    const m = mapError(validationFailed(fieldIssues(result.error.issues)));
    expect(m.status).toBe(400);
    expect(m.body.error.code).toBe('VALIDATION_FAILED');
    expect(m.body.error.issues?.map((i) => i.path).sort()).toEqual(['requester', 'resource.env']);
  });

  it('turns body-parser and routing errors into 4xx, never 500', () => {
    const parse = new BadRequestException('Unexpected token', { cause: Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed' }) });
    expect(mapError(parse)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    expect(mapError(new PayloadTooLargeException())).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(mapError(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('hides unexpected errors behind a generic 500', () => {
    const m = mapError(new Error('connection string postgres://secret@db'));
    expect(m).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
  });
});
