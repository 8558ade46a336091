import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 §2.1 (RFC 6962 §2.1): the audit log's events are its leaves, in sequence
 * order. Hashes are 32-byte Buffers; leaves enter as their leaf hash, so a verifier needs only hashes.
 * Every function follows the RFC's recursive definition, splitting at the largest power of two below n.
 */
export type Hash = Buffer;

const sha256 = (...parts: Uint8Array[]): Hash => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

/** HASH(0x00 || data): domain separation keeps a leaf from passing for an inner node. */
export function merkleLeafHash(data: Uint8Array): Hash {
  return sha256(LEAF, data);
}

export function merkleNodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE, left, right);
}

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[from:to]) over leaf hashes. */
function subtreeRoot(leaves: readonly Hash[], from: number, to: number): Hash {
  const n = to - from;
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return merkleNodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/** MTH of the first `size` leaves (default all); the empty tree's root is SHA-256 of nothing. */
export function merkleRoot(leaves: readonly Hash[], size = leaves.length): Hash {
  if (size < 0 || size > leaves.length) throw new RangeError(`tree size ${size} outside 0..${leaves.length}`);
  return size === 0 ? sha256() : subtreeRoot(leaves, 0, size);
}

/** Leaves [from, to) of the tree: a proof is the list of the subtree roots of such ranges. */
export interface LeafRange {
  from: number;
  to: number;
}

/** The ranges of PATH(m, D[0:size]), in proof order (RFC 9162 §2.1.3.1). */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = (m: number, from: number, to: number): LeafRange[] => {
    const n = to - from;
    if (n === 1) return [];
    const k = split(n);
    return m < k ? [...path(m, from, from + k), { from: from + k, to }] : [...path(m - k, from + k, to), { from, to: from + k }];
  };
  return path(index, 0, size);
}

/** The ranges of PROOF(m, D[0:n]), in proof order (RFC 9162 §2.1.4.1). */
export function consistencyProofRanges(oldSize: number, newSize: number): LeafRange[] {
  if (oldSize < 1 || oldSize > newSize) throw new RangeError(`no consistency proof from ${oldSize} to ${newSize}`);
  const sub = (m: number, from: number, to: number, complete: boolean): LeafRange[] => {
    const n = to - from;
    if (m === n) return complete ? [] : [{ from, to }];
    const k = split(n);
    return m <= k ? [...sub(m, from, from + k, complete), { from: from + k, to }] : [...sub(m - k, from + k, to, false), { from, to: from + k }];
  };
  return sub(oldSize, 0, newSize, true);
}

/** PATH(m, D[0:size]): the audit path that proves leaf `index` is in the tree of `size` leaves. */
export function inclusionProof(leaves: readonly Hash[], index: number, size = leaves.length): Hash[] {
  if (size > leaves.length) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  return inclusionProofRanges(index, size).map((r) => subtreeRoot(leaves, r.from, r.to));
}

/** PROOF(m, D[0:n]): proves the tree of `oldSize` leaves is a prefix of the tree of `newSize`. */
export function consistencyProof(leaves: readonly Hash[], oldSize: number, newSize = leaves.length): Hash[] {
  if (newSize > leaves.length) throw new RangeError(`no consistency proof from ${oldSize} to ${newSize}`);
  return consistencyProofRanges(oldSize, newSize).map((r) => subtreeRoot(leaves, r.from, r.to));
}

/**
 * MTH of leaves fed one at a time, in O(log n) memory: the roots of the perfect subtrees seen so far
 * (a compact range). RFC 6962's split at the largest power of two makes the tree's root the right fold
 * of those roots, largest first.
 */
export class MerkleRootBuilder {
  private readonly stack: Array<{ hash: Hash; size: number }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Hash): void {
    this.count += 1;
    let node = { hash: leaf, size: 1 };
    for (let top = this.stack.at(-1); top && top.size === node.size; top = this.stack.at(-1)) {
      this.stack.pop();
      node = { hash: merkleNodeHash(top.hash, node.hash), size: top.size * 2 };
    }
    this.stack.push(node);
  }

  root(): Hash {
    if (this.stack.length === 0) return sha256();
    let hash = this.stack.at(-1)!.hash;
    for (let i = this.stack.length - 2; i >= 0; i -= 1) hash = merkleNodeHash(this.stack[i]!.hash, hash);
    return hash;
  }
}

/**
 * The subtree roots of `ranges` (any ranges, overlapping or not) from leaves streamed in order, page by
 * page, without holding them: proofs and roots over a log too large to load. Throws if the pages end
 * before the last range does.
 */
export async function streamedRangeRoots(pages: AsyncIterable<readonly Hash[]>, ranges: readonly LeafRange[]): Promise<Hash[]> {
  const builders = ranges.map(() => new MerkleRootBuilder());
  const end = Math.max(0, ...ranges.map((r) => r.to));
  let index = 0;
  for await (const page of pages) {
    for (const leaf of page) {
      if (index >= end) break;
      ranges.forEach((r, n) => {
        if (index >= r.from && index < r.to) builders[n]!.push(leaf);
      });
      index += 1;
    }
    if (index >= end) break;
  }
  if (index < end) throw new RangeError(`the leaves end at ${index}, before ${end}`);
  return builders.map((b) => b.root());
}

/** RFC 9162 §2.1.3.2: does `proof` lead from the leaf at `index` to `root` of a tree of `size`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: is the tree of `oldSize` with `oldRoot` a prefix of the tree of `newSize` with `newRoot`? */
export function verifyConsistency(oldSize: number, newSize: number, proof: readonly Hash[], oldRoot: Hash, newRoot: Hash): boolean {
  if (oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  const path = [...proof];
  // A power-of-two old tree is itself a node of the new one; the RFC prepends its root.
  if ((oldSize & (oldSize - 1)) === 0) path.unshift(oldRoot);
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = merkleNodeHash(c, fr);
      sr = merkleNodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = merkleNodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(oldRoot) && sr.equals(newRoot) && sn === 0;
}

/**
 * Every level of the tree over `leaves`, bottom-up, built once: level 0 the leaves, each next level
 * pairs neighbours and promotes an unpaired last node (which is exactly RFC 6962's split at the largest
 * power of two). Inclusion proofs for many leaves then cost O(log n) each instead of O(n).
 */
export class MerkleTree {
  private readonly levels: Hash[][];

  constructor(leaves: readonly Hash[]) {
    this.levels = [[...leaves]];
    let level = this.levels[0]!;
    while (level.length > 1) {
      const next: Hash[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? merkleNodeHash(level[i]!, level[i + 1]!) : level[i]!);
      this.levels.push(next);
      level = next;
    }
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  root(): Hash {
    return this.size === 0 ? merkleRoot([]) : this.levels.at(-1)![0]!;
  }

  /** The leaf hash at `index`, as the tree holds it. */
  inclusionProofLeaf(index: number): Hash {
    const leaf = this.levels[0]![index];
    if (!leaf) throw new RangeError(`leaf ${index} is not in a tree of ${this.size}`);
    return leaf;
  }

  inclusionProof(index: number): Hash[] {
    if (index < 0 || index >= this.size) throw new RangeError(`leaf ${index} is not in a tree of ${this.size}`);
    const proof: Hash[] = [];
    let i = index;
    for (const level of this.levels.slice(0, -1)) {
      const sibling = i % 2 === 1 ? i - 1 : i + 1;
      if (sibling < level.length) proof.push(level[sibling]!);
      i = Math.floor(i / 2);
    }
    return proof;
  }
}
