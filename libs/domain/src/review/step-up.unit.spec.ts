import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json.js';
import { STEP_UP_PURPOSE, stepUpChallenge, type StepUpBinding } from './step-up.js';

const binding: StepUpBinding = { reviewId: '0190f5a0-0000-7000-8000-000000000001', intentHash: 'a'.repeat(64), decision: 'approve', nonce: 'bm9uY2U' };

describe('stepUpChallenge', () => {
  it('given a binding, then it is base64url SHA-256 of the canonical JSON an auditor can rebuild', () => {
    const expected = createHash('sha256').update(canonicalJson({ purpose: STEP_UP_PURPOSE, ...binding })).digest('base64url');
    expect(stepUpChallenge(binding)).toBe(expected);
    expect(stepUpChallenge(binding)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('when any bound part changes (review, intent hash, decision, nonce), then the challenge changes', () => {
    const base = stepUpChallenge(binding);
    const variants: StepUpBinding[] = [
      { ...binding, reviewId: '0190f5a0-0000-7000-8000-000000000002' },
      { ...binding, intentHash: 'b'.repeat(64) },
      { ...binding, decision: 'reject' },
      { ...binding, nonce: 'b3RoZXI' },
    ];
    const all = new Set([base, ...variants.map(stepUpChallenge)]);
    expect(all.size).toBe(5);
  });
});
