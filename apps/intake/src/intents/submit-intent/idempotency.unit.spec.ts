import { SubmitIntentRequest, type Requester } from '@countersign/contracts';
import { describe, expect, it } from 'vitest';
import { IntakeError } from '../../errors/intake-error.js';
import { decideOnExistingKey, parseIdempotencyKey, requestHashOf } from './idempotency.js';

const alice: Requester = { kind: 'user', subject: 'alice', issuer: 'urn:a', groups: [] };
const body = SubmitIntentRequest.parse({
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii', 'eu'] },
  args: { table: 'customers', limit: 10 },
  justification: 'quarterly report',
});

describe('idempotency', () => {
  it('hashes the parsed request independent of key and tag order', () => {
    const reordered = SubmitIntentRequest.parse({
      justification: 'quarterly report',
      args: { limit: 10, table: 'customers' },
      resource: { tags: ['eu', 'pii'], env: 'prod', id: 'customers', kind: 'db' },
      action: 'db.export',
    });
    expect(requestHashOf(reordered, alice)).toBe(requestHashOf(body, alice));
  });

  it('binds the hash to the issuer and to every field', () => {
    expect(requestHashOf(body, { ...alice, issuer: 'urn:b' })).not.toBe(requestHashOf(body, alice));
    expect(requestHashOf({ ...body, justification: 'other' }, alice)).not.toBe(requestHashOf(body, alice));
  });

  it('replays the same request and refuses a different one', () => {
    const h = requestHashOf(body, alice);
    expect(decideOnExistingKey({ requestHash: h, intentId: 'i-1' }, h)).toEqual({ kind: 'replay', intentId: 'i-1' });
    expect(decideOnExistingKey({ requestHash: h, intentId: 'i-1' }, 'f'.repeat(64))).toEqual({ kind: 'conflict' });
  });

  it('accepts 1..128 visible characters as a key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('k-1')).toBe('k-1');
    expect(parseIdempotencyKey('x'.repeat(128))).toHaveLength(128);
    for (const bad of ['', 'x'.repeat(129), 'has space', ['a', 'b']]) {
      expect(() => parseIdempotencyKey(bad)).toThrow(IntakeError);
    }
  });
});
