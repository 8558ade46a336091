import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';

describe('backoffMs', () => {
  const s = { baseMs: 1000, maxMs: 60_000 };

  it('doubles per attempt from the base, capped at the maximum', () => {
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => backoffMs(n, s, () => 0))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });

  it('adds up to 20 % jitter and never exceeds the maximum', () => {
    expect(backoffMs(1, s, () => 1)).toBe(1200);
    expect(backoffMs(6, s, () => 1)).toBe(38_400);
    expect(backoffMs(7, s, () => 1)).toBe(60_000);
  });

  it('treats a first attempt of zero like one', () => {
    expect(backoffMs(0, s, () => 0)).toBe(1000);
  });
});
