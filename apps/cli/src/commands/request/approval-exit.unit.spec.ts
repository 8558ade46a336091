import { describe, expect, it } from 'vitest';
import { AbortedError, type ApprovalError, DeniedError, ExpiredError, RefusedError, RejectedError, TimeoutError, UnreachableError, WithdrawnError } from '@countersign/sdk';
import { approvalExit } from './approval-exit.js';

const id = '0190f5a0-0000-7000-8000-000000000001';

describe('approvalExit', () => {
  it('gives every SDK outcome its documented exit code and one line', () => {
    const cases: Array<[ApprovalError, boolean, number, RegExp]> = [
      [new DeniedError(id, ['deny-prod: no']), false, 10, /denied by policy: deny-prod: no$/],
      [new RejectedError(id, []), false, 11, /rejected by a reviewer$/],
      [new ExpiredError(id, 'review'), false, 12, /review expired/],
      [new ExpiredError(id, 'grant'), false, 12, /grant expired before it was claimed/],
      [new TimeoutError(id, 90_000, false), false, 13, /within 90 s$/],
      [new WithdrawnError(id), true, 130, /^interrupted: .* withdrawn$/],
      [new AbortedError(id, 'approved'), true, 130, /^interrupted: .*could not be withdrawn/],
      [new WithdrawnError(id), false, 4, /withdrawn$/],
      [new RefusedError(undefined, 400, 'VALIDATION_FAILED', 'bad', 'resource.env'), false, 2, /server refused the request: bad/],
      [new RefusedError(id, 409, 'INTENT_DECIDED', 'decided'), false, 4, /decided/],
      [new UnreachableError(undefined, 'http://127.0.0.1:1', 'ECONNREFUSED'), false, 3, /cannot reach http:\/\/127\.0\.0\.1:1: ECONNREFUSED/],
    ];
    for (const [error, interrupted, code, message] of cases) {
      const mapped = approvalExit(error, interrupted);
      expect([error.name, mapped.exitCode]).toEqual([error.name, code]);
      expect(mapped.message).toMatch(message);
    }
  });
});
