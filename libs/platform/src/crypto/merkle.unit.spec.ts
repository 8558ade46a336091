import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  consistencyProofRanges,
  inclusionProof,
  inclusionProofRanges,
  merkleLeafHash,
  MerkleRootBuilder,
  MerkleTree,
  merkleRoot,
  verifyConsistency,
  streamedRangeRoots,
  verifyInclusion,
  type Hash,
} from './merkle.js';

// The leaves and roots of the reference tests of Certificate Transparency (RFC 6962 implementations).
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const leaves = INPUTS.map((hex) => merkleLeafHash(Buffer.from(hex, 'hex')));
const leavesOf = (n: number): Hash[] => Array.from({ length: n }, (_, i) => merkleLeafHash(Buffer.from(`leaf ${i}`)));

describe('RFC 6962 Merkle tree', () => {
  it('computes the reference roots for every prefix of the reference leaves', () => {
    expect(ROOTS.map((_, i) => merkleRoot(leaves, i + 1).toString('hex'))).toEqual(ROOTS);
    expect(merkleRoot([]).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('proves and verifies the inclusion of every leaf in every tree size, and refuses a wrong leaf, index or root', () => {
    for (let size = 1; size <= 8; size += 1) {
      const root = merkleRoot(leaves, size);
      for (let i = 0; i < size; i += 1) {
        const proof = inclusionProof(leaves, i, size);
        expect(verifyInclusion(leaves[i]!, i, size, proof, root)).toBe(true);
        // Another leaf, another position, another tree: each must fail.
        expect(verifyInclusion(leaves[(i + 1) % 8]!, i, size, proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion(leaves[i]!, (i + 1) % size, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[i]!, i, size, proof, merkleRoot(leaves, (size % 8) + 1))).toBe(false);
      }
    }
  });

  it('proves and verifies consistency between every pair of sizes, and refuses a forked history', () => {
    for (let n = 1; n <= 8; n += 1) {
      for (let m = 1; m <= n; m += 1) {
        const proof = consistencyProof(leaves, m, n);
        expect(verifyConsistency(m, n, proof, merkleRoot(leaves, m), merkleRoot(leaves, n))).toBe(true);
        if (m < n) {
          const forked = [...leaves.slice(0, m - 1), merkleLeafHash(Buffer.from('rewritten')), ...leaves.slice(m)];
          expect(verifyConsistency(m, n, proof, merkleRoot(forked, m), merkleRoot(leaves, n))).toBe(false);
        }
      }
    }
  });

  it('holds for random trees up to 300 leaves (fast-check): every proof verifies, tampering never does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
        const all = leavesOf(n);
        const index = a % n;
        const root = merkleRoot(all);
        const proof = inclusionProof(all, index);
        expect(verifyInclusion(all[index]!, index, n, proof, root)).toBe(true);
        if (proof.length > 0) {
          const bad = proof.map((p, i) => (i === b % proof.length ? merkleLeafHash(p) : p));
          expect(verifyInclusion(all[index]!, index, n, bad, root)).toBe(false);
        }
        const m = (b % n) + 1;
        expect(verifyConsistency(m, n, consistencyProof(all, m), merkleRoot(all, m), root)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('MerkleTree (levels built once) gives the same roots and proofs as the recursive definition', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (n, a) => {
        const all = leavesOf(n);
        const tree = new MerkleTree(all);
        expect(tree.root().equals(merkleRoot(all))).toBe(true);
        const i = a % n;
        expect(tree.inclusionProof(i).map((h) => h.toString('hex'))).toEqual(inclusionProof(all, i).map((h) => h.toString('hex')));
      }),
      { numRuns: 200 },
    );
    expect(new MerkleTree(leaves).root().toString('hex')).toBe(ROOTS[7]);
  });

  it('MerkleRootBuilder (leaf by leaf, O(log n) hashes) gives the reference roots and every prefix root up to 600', () => {
    const builder = new MerkleRootBuilder();
    expect(builder.root().toString('hex')).toBe(merkleRoot([]).toString('hex'));
    leaves.forEach((leaf, i) => {
      builder.push(leaf);
      expect(builder.root().toString('hex')).toBe(ROOTS[i]);
    });
    const all = leavesOf(600);
    const growing = new MerkleRootBuilder();
    all.forEach((leaf, i) => {
      growing.push(leaf);
      expect(growing.root().equals(merkleRoot(all, i + 1))).toBe(true);
    });
  });

  it('streamed proofs (ranges hashed from pages of leaves) equal the proofs over the whole array (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 64 }), async (n, a, b, pageSize) => {
        const all = leavesOf(n);
        async function* pages() {
          for (let i = 0; i < n; i += pageSize) yield all.slice(i, i + pageSize);
        }
        const hex = (hashes: Hash[]) => hashes.map((h) => h.toString('hex'));
        const index = a % n;
        expect(hex(await streamedRangeRoots(pages(), inclusionProofRanges(index, n)))).toEqual(hex(inclusionProof(all, index)));
        const m = (b % n) + 1;
        expect(hex(await streamedRangeRoots(pages(), consistencyProofRanges(m, n)))).toEqual(hex(consistencyProof(all, m)));
        const [prefix, whole] = await streamedRangeRoots(pages(), [{ from: 0, to: m }, { from: 0, to: n }]);
        expect([prefix!.equals(merkleRoot(all, m)), whole!.equals(merkleRoot(all))]).toEqual([true, true]);
      }),
      { numRuns: 200 },
    );
    async function* short() {
      yield leavesOf(3);
    }
    await expect(streamedRangeRoots(short(), [{ from: 0, to: 4 }])).rejects.toThrow(/end at 3/);
  });
});
