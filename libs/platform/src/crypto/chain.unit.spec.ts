import { describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { chainHash, GENESIS_HASH, leafHash, signEntry, verifyChain, type ChainEntry } from './index.js';
import { Ed25519Key } from './ed25519-key.js';

const key = Ed25519Key.generate();
const keys = new Map<string, JWK>([[key.kid, key.publicJwk()]]);

function buildChain(n: number): ChainEntry[] {
  const entries: ChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const payload = { id: `evt-${seq}`, type: 'intent.submitted', data: { n: seq, nested: { b: 2, a: 1 } } };
    const leaf = leafHash(payload);
    const entryHash = chainHash(prev, leaf);
    entries.push({
      seq,
      eventId: payload.id,
      payload,
      leafHash: leaf,
      prevHash: prev,
      entryHash,
      signature: signEntry(key, entryHash),
      kid: key.kid,
    });
    prev = entryHash;
  }
  return entries;
}

describe('verifyChain', () => {
  it('accepts a good chain and reports its head', () => {
    const chain = buildChain(5);
    expect(verifyChain(chain, keys)).toEqual({ ok: true, count: 5, head: chain[4]!.entryHash });
    expect(verifyChain([], keys)).toEqual({ ok: true, count: 0, head: GENESIS_HASH });
  });

  it('hashes canonical JSON, so key order in a stored payload does not matter', () => {
    const chain = buildChain(1);
    const first = chain[0]!;
    first.payload = { data: { nested: { a: 1, b: 2 }, n: 1 }, type: 'intent.submitted', id: 'evt-1' };
    expect(verifyChain(chain, keys).ok).toBe(true);
  });

  it('names an entry whose payload was edited', () => {
    const chain = buildChain(4);
    chain[2]!.payload = { ...(chain[2]!.payload as object), data: { n: 999 } };
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 3, eventId: 'evt-3', reason: expect.stringMatching(/payload/) });
  });

  it('names the entry after a deleted one', () => {
    const chain = buildChain(4);
    chain.splice(1, 1);
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 3, eventId: 'evt-3', reason: expect.stringMatching(/seq/) });
  });

  it('names the entry after a deleted one even when seq numbers were rewritten to hide the gap', () => {
    const chain = buildChain(4);
    chain.splice(1, 1);
    chain.forEach((e, i) => (e.seq = i + 1));
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 2, eventId: 'evt-3', reason: expect.stringMatching(/prev_hash/) });
  });

  it('names the first of two swapped entries', () => {
    const chain = buildChain(4);
    [chain[1], chain[2]] = [chain[2]!, chain[1]!];
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 3, eventId: 'evt-3' });
  });

  it('names an entry with a bad signature', () => {
    const chain = buildChain(3);
    const other = Ed25519Key.generate();
    chain[1]!.signature = signEntry(other, chain[1]!.entryHash);
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 2, eventId: 'evt-2', reason: 'signature does not verify' });
  });

  it('names an entry signed with an unknown key', () => {
    const chain = buildChain(2);
    chain[1]!.kid = 'nope';
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/unknown signing key/) });
  });

  it('names an entry whose hashes were recomputed after an edit but not re-signed', () => {
    const chain = buildChain(2);
    const e = chain[1]!;
    e.payload = { forged: true };
    e.leafHash = leafHash(e.payload);
    e.entryHash = chainHash(e.prevHash, e.leafHash);
    expect(verifyChain(chain, keys)).toMatchObject({ ok: false, seq: 2, reason: 'signature does not verify' });
  });
});

describe('chain primitives', () => {
  it('chainHash is sha256 over the ASCII hex concatenation', () => {
    // sha256("" + "") for an empty pair is the well-known empty-string digest.
    expect(chainHash('', '')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});
