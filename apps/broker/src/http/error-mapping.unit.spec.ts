import { AuthError, ForbiddenError } from '@countersign/platform/auth';
import { HttpException, PayloadTooLargeException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { Errors } from '../grants/errors.js';
import { mapError } from './error-mapping.js';

describe('mapError', () => {
  it.each([
    [Errors.notFound(), 404, 'GRANT_NOT_FOUND'],
    [Errors.notRequester(), 403, 'NOT_GRANT_REQUESTER'],
    [Errors.alreadyClaimed(), 409, 'GRANT_ALREADY_CLAIMED'],
    [Errors.claimExpired(), 410, 'GRANT_CLAIM_EXPIRED'],
    [Errors.alreadyUsed(), 409, 'GRANT_ALREADY_USED'],
    [Errors.audienceMismatch(), 403, 'AUDIENCE_MISMATCH'],
    [Errors.invalid('bad signature'), 401, 'GRANT_INVALID'],
    [Errors.tokenExpired(), 401, 'GRANT_TOKEN_EXPIRED'],
    [new ForbiddenError('SCOPE_MISSING', 'no scope'), 403, 'SCOPE_MISSING'],
    [new PayloadTooLargeException(), 413, 'PAYLOAD_TOO_LARGE'],
  ])('%s → %i %s', (error, status, code) => {
    const mapped = mapError(error);
    expect(mapped.status).toBe(status);
    expect(mapped.body.error.code).toBe(code);
  });

  it('names the bad field of a validation failure', () => {
    const mapped = mapError(Errors.validation([{ path: 'intentId', message: 'Invalid UUID' }]));
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.issues).toEqual([{ path: 'intentId', message: 'Invalid UUID' }]);
    expect(mapped.body.error.message).toContain('intentId');
  });

  it('asks for a bearer token on an authentication failure', () => {
    const mapped = mapError(new AuthError('TOKEN_MISSING', 'a bearer token is required'));
    expect(mapped).toMatchObject({ status: 401, wwwAuthenticate: 'Bearer', body: { error: { code: 'TOKEN_MISSING' } } });
  });

  it('hides the message of an unexpected error', () => {
    for (const e of [new Error('connect ECONNREFUSED postgres://u:secret@db'), new HttpException('boom', 502), 'x']) {
      expect(mapError(e)).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
    }
  });
});
