import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mapApiError } from './api-error.js';
import { parseBody } from './parse-body.js';

describe('parseBody', () => {
  const Schema = z.strictObject({ intentId: z.uuid(), note: z.string().optional() });

  it('returns the parsed body', () => {
    const id = '0190f5a0-0000-7000-8000-000000000000';
    expect(parseBody(Schema, { intentId: id })).toEqual({ intentId: id });
  });

  it('maps a bad body to 400 VALIDATION_FAILED naming each bad and each unknown field', () => {
    let caught: unknown;
    try {
      parseBody(Schema, { intentId: 'nope', extra: 1 });
    } catch (error) {
      caught = error;
    }
    const mapped = mapApiError(caught);
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.code).toBe('VALIDATION_FAILED');
    expect(mapped.body.error.issues?.map((i) => i.path).sort()).toEqual(['', 'intentId']);
    expect(mapped.body.error.message).toMatch(/intentId: .*; \(body\): unknown field\(s\) extra|\(body\): unknown field\(s\) extra; intentId/);
  });

  it('treats a missing body as an empty object', () => {
    expect(() => parseBody(Schema, undefined)).toThrow(/intentId/);
  });
});
