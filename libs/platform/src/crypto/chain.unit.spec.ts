import { describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { chainHash, ChainVerifier, GENESIS_HASH, leafHash, signEntry, verifyChain, type ChainEntry, type VerifyChainResult } from './index.js';
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

/** Pushes the entries in pages of `size`, as audit's verify use case does with table pages. */
function paged(entries: ChainEntry[], size: number): VerifyChainResult {
  const verifier = new ChainVerifier(keys);
  for (let i = 0; i < entries.length; i += size) {
    if (verifier.push(entries.slice(i, i + size))) break;
  }
  return verifier.result();
}

const tampered: Record<string, { tamper: (c: ChainEntry[]) => ChainEntry[]; seq: number; reason: RegExp }> = {
  'edited payload': { tamper: (c) => c.map((e) => (e.seq === 5 ? { ...e, payload: { id: 'evt-5', n: 500 } } : e)), seq: 5, reason: /payload altered/ },
  'deleted entry': { tamper: (c) => c.filter((e) => e.seq !== 4), seq: 5, reason: /seq 5 where 4/ },
  'swapped entries': { tamper: (c) => [...c.slice(0, 3), c[4]!, c[3]!, ...c.slice(5)], seq: 5, reason: /seq 5 where 4/ },
  'bad signature': { tamper: (c) => c.map((e) => (e.seq === 6 ? { ...e, signature: c[0]!.signature } : e)), seq: 6, reason: /signature does not verify/ },
  'unknown key': { tamper: (c) => c.map((e) => (e.seq === 7 ? { ...e, kid: 'someone-else' } : e)), seq: 7, reason: /unknown signing key/ },
  'rewritten link': { tamper: (c) => c.map((e) => (e.seq === 8 ? { ...e, prevHash: GENESIS_HASH } : e)), seq: 8, reason: /prev_hash/ },
};

describe('ChainVerifier (paged) and verifyChain after a trusted entry', () => {
  it('accepts a good chain across any page boundaries with the same verdict as the whole-chain check', () => {
    const good = buildChain(10);
    const whole = verifyChain(good, keys);
    expect(whole).toEqual({ ok: true, count: 10, head: good[9]!.entryHash });
    for (const size of [1, 3, 4, 10, 50]) expect(paged(good, size)).toEqual(whole);
    expect(paged([], 3)).toEqual({ ok: true, count: 0, head: GENESIS_HASH });
  });

  for (const [name, { tamper, seq, reason }] of Object.entries(tampered)) {
    it(`names the same first bad entry in pages as in one go: ${name}`, () => {
      const bad = tamper(buildChain(10));
      const whole = verifyChain(bad, keys);
      expect(whole).toMatchObject({ ok: false, seq, reason: expect.stringMatching(reason) });
      for (const size of [1, 3, 4, 10]) expect(paged(bad, size)).toEqual(whole);
    });
  }

  it('catches a break exactly at a page boundary (first entry of the second page)', () => {
    const chain = buildChain(8);
    // Entry 5 is self-consistent and validly signed but links to something other than entry 4: only the
    // prev hash carried over from the previous page can tell.
    const e5 = chain[4]!;
    const prevHash = chainHash(GENESIS_HASH, leafHash({ other: true }));
    const entryHash = chainHash(prevHash, e5.leafHash);
    chain[4] = { ...e5, prevHash, entryHash, signature: signEntry(key, entryHash) };
    const verifier = new ChainVerifier(keys);
    expect(verifier.push(chain.slice(0, 4))).toBeUndefined();
    expect(verifier.push(chain.slice(4))).toMatchObject({ ok: false, seq: 5, reason: expect.stringMatching(/prev_hash/) });
    // A failure sticks: later pages cannot turn it into a success.
    expect(verifier.push(buildChain(0))).toMatchObject({ ok: false, seq: 5 });
    expect(verifier.result()).toMatchObject({ ok: false, seq: 5 });

    const deleted = buildChain(8).filter((e) => e.seq !== 5);
    const v2 = new ChainVerifier(keys);
    expect(v2.push(deleted.slice(0, 4))).toBeUndefined();
    expect(v2.push(deleted.slice(4))).toMatchObject({ ok: false, seq: 6, eventId: 'evt-6', reason: expect.stringMatching(/seq 6 where 5/) });
  });

  it('continues after a trusted entry and refuses a continuation that does not link to it', () => {
    const chain = buildChain(6);
    const after = { seq: 3, entryHash: chain[2]!.entryHash };
    expect(verifyChain(chain.slice(3), keys, { after })).toEqual({ ok: true, count: 3, head: chain[5]!.entryHash });
    expect(verifyChain([], keys, { after })).toEqual({ ok: true, count: 0, head: after.entryHash });
    expect(verifyChain(chain.slice(3), keys, { after: { seq: 3, entryHash: chain[1]!.entryHash } })).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/prev_hash/),
    });
    expect(verifyChain(chain.slice(4), keys, { after })).toMatchObject({ ok: false, seq: 5, reason: expect.stringMatching(/seq 5 where 4/) });
    // Without `after`, a tail is not a chain from seq 1.
    expect(verifyChain(chain.slice(3), keys)).toMatchObject({ ok: false, seq: 4 });
  });
});

describe('chain primitives'
, () => {
  it('chainHash is sha256 over the ASCII hex concatenation', () => {
    // sha256("" + "") for an empty pair is the well-known empty-string digest.
    expect(chainHash('', '')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});
