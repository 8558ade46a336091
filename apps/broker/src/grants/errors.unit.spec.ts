import { mapApiError } from '@countersign/platform/nest';
import { describe, expect, it } from 'vitest';
import { Errors } from './errors.js';

describe('broker errors', () => {
  it.each([
    [Errors.notFound(), 404, 'GRANT_NOT_FOUND'],
    [Errors.notRequester(), 403, 'NOT_GRANT_REQUESTER'],
    [Errors.alreadyClaimed(), 409, 'GRANT_ALREADY_CLAIMED'],
    [Errors.claimExpired(), 410, 'GRANT_CLAIM_EXPIRED'],
    [Errors.revoked(), 410, 'GRANT_REVOKED'],
    [Errors.alreadyUsed(), 409, 'GRANT_ALREADY_USED'],
    [Errors.expired(), 410, 'GRANT_EXPIRED'],
    [Errors.audienceMismatch(), 403, 'AUDIENCE_MISMATCH'],
    [Errors.invalid('bad signature'), 401, 'GRANT_INVALID'],
    [Errors.tokenExpired(), 401, 'GRANT_TOKEN_EXPIRED'],
    [Errors.credentialRefused('no such table'), 422, 'CREDENTIAL_REFUSED'],
    [Errors.credentialUnavailable('target down'), 503, 'CREDENTIAL_UNAVAILABLE'],
  ])('%s → %i %s', (error, status, code) => {
    const mapped = mapApiError(error);
    expect([mapped.status, mapped.body.error.code]).toEqual([status, code]);
  });

  it('tells a caller when to try an unavailable credential again', () => {
    expect(mapApiError(Errors.credentialUnavailable('target down')).headers).toEqual({ 'Retry-After': '5' });
    expect(mapApiError(Errors.credentialRefused('no such table')).headers).toEqual({});
  });

});
