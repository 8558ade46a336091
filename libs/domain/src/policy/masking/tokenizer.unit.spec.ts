import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacTokenizer, TOKEN_HEX_CHARS } from './tokenizer.js';

const KEY = 'k'.repeat(32);

describe('hmacTokenizer', () => {
  it('is HMAC-SHA256 of the value, truncated to 20 hex characters', () => {
    const expected = createHmac('sha256', KEY).update('hunter22').digest('hex').slice(0, 20);
    expect(hmacTokenizer(KEY)('hunter22')).toBe(expected);
    expect(TOKEN_HEX_CHARS).toBe(20);
  });

  it('gives equal values equal tokens and different values different tokens', () => {
    const tokenize = hmacTokenizer(KEY);
    expect(tokenize('a@example.com')).toBe(tokenize('a@example.com'));
    expect(tokenize('a@example.com')).not.toBe(tokenize('b@example.com'));
    expect(tokenize('a@example.com')).toMatch(/^[0-9a-f]{20}$/);
  });

  it('gives different keys different tokens', () => {
    expect(hmacTokenizer(KEY)('hunter22')).not.toBe(hmacTokenizer('j'.repeat(32))('hunter22'));
  });

  it('takes a string key as UTF-8 and bytes as they are', () => {
    expect(hmacTokenizer(new TextEncoder().encode(KEY))('x')).toBe(hmacTokenizer(KEY)('x'));
  });

  it('copies the key so that later changes to the buffer do not change tokens', () => {
    const bytes = new Uint8Array(32).fill(7);
    const tokenize = hmacTokenizer(bytes);
    const before = tokenize('x');
    bytes.fill(8);
    expect(tokenize('x')).toBe(before);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => hmacTokenizer('k'.repeat(31))).toThrow('mask key must be at least 32 bytes, got 31');
    expect(() => hmacTokenizer(new Uint8Array(16))).toThrow('mask key must be at least 32 bytes, got 16');
    // 11 characters of 3 bytes each: 33 bytes.
    expect(() => hmacTokenizer('€'.repeat(11))).not.toThrow();
  });
});
