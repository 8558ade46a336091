import { describe, expect, it } from 'vitest';
import {
  chainHash,
  Ed25519Key,
  GENESIS_HASH,
  leafHash,
  signEntry,
  verifyChain,
  type ChainEntry,
} from '@countersign/platform/crypto';
import { ChainVerifier } from './chain-verifier.js';

const key = Ed25519Key.generate();
const keys = new Map([[key.kid, key.publicJwk()]]);

function chain(n: number): ChainEntry[] {
  const entries: ChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const payload = { id: `e${seq}`, n: seq };
    const leaf = leafHash(payload);
    const entry = chainHash(prev, leaf);
    entries.push({ seq, eventId: `e${seq}`, payload, leafHash: leaf, prevHash: prev, entryHash: entry, signature: signEntry(key, entry), kid: key.kid });
    prev = entry;
  }
  return entries;
}

/** Feeds the entries in pages of `size`, as the verify use case does. */
function paged(entries: ChainEntry[], size: number) {
  const verifier = new ChainVerifier(keys);
  for (let i = 0; i < entries.length; i += size) {
    const failure = verifier.feed(entries.slice(i, i + size));
    if (failure) return failure;
  }
  return verifier.result();
}

const tampered: Record<string, (c: ChainEntry[]) => ChainEntry[]> = {
  'edited payload': (c) => c.map((e) => (e.seq === 5 ? { ...e, payload: { id: 'e5', n: 500 } } : e)),
  'deleted entry': (c) => c.filter((e) => e.seq !== 4),
  'swapped entries': (c) => [...c.slice(0, 3), c[4]!, c[3]!, ...c.slice(5)],
  'bad signature': (c) => c.map((e) => (e.seq === 6 ? { ...e, signature: c[0]!.signature } : e)),
  'unknown key': (c) => c.map((e) => (e.seq === 7 ? { ...e, kid: 'someone-else' } : e)),
  'rewritten tail': (c) => c.map((e) => (e.seq === 8 ? { ...e, prevHash: GENESIS_HASH } : e)),
};

describe('ChainVerifier (paged) agrees with verifyChain (whole chain)', () => {
  it('accepts a good chain across page boundaries', () => {
    const good = chain(10);
    const whole = verifyChain(good, keys);
    expect(whole.ok).toBe(true);
    for (const size of [1, 3, 10, 50]) expect(paged(good, size)).toEqual(whole);
    expect(paged([], 3)).toEqual({ ok: true, count: 0, head: GENESIS_HASH });
  });

  for (const [name, tamper] of Object.entries(tampered)) {
    it(`names the same first bad entry for: ${name}`, () => {
      const bad = tamper(chain(10));
      const whole = verifyChain(bad, keys);
      expect(whole.ok).toBe(false);
      for (const size of [1, 3, 4, 10]) expect(paged(bad, size)).toEqual(whole);
    });
  }
});
