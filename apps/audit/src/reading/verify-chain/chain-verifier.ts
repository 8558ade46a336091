import type { KeyObject } from 'node:crypto';
import {
  chainHash,
  ed25519PublicKey,
  GENESIS_HASH,
  leafHash,
  verifyEntrySignature,
  type ChainEntry,
  type JWK,
  type VerifyChainResult,
} from '@countersign/platform/crypto';

type Failure = Extract<VerifyChainResult, { ok: false }>;

/**
 * verifyChain (platform/crypto) checks a chain held in memory from seq 1. The table can hold millions
 * of rows, so this applies the same checks page by page, carrying the expected seq and prev hash
 * across pages. A unit test holds it to verifyChain's verdicts.
 */
export class ChainVerifier {
  private prev = GENESIS_HASH;
  private count = 0;
  private readonly imported = new Map<string, KeyObject | undefined>();

  constructor(private readonly keys: Map<string, JWK>) {}

  /** Checks the next entries in order; returns the first failure, or undefined when all are good. */
  feed(entries: readonly ChainEntry[]): Failure | undefined {
    for (const entry of entries) {
      const failure = this.check(entry);
      if (failure) return { ok: false, seq: entry.seq, eventId: entry.eventId, reason: failure };
      this.prev = entry.entryHash;
      this.count += 1;
    }
    return undefined;
  }

  result(): VerifyChainResult {
    return { ok: true, count: this.count, head: this.prev };
  }

  private check(entry: ChainEntry): string | undefined {
    const expectedSeq = this.count + 1;
    if (entry.seq !== expectedSeq) return `seq ${entry.seq} where ${expectedSeq} was expected (entry missing or out of order)`;
    if (entry.prevHash !== this.prev) return 'prev_hash does not match the previous entry hash';
    let leaf: string;
    try {
      leaf = leafHash(entry.payload);
    } catch {
      return 'payload is not serialisable as JSON';
    }
    if (entry.leafHash !== leaf) return 'leaf_hash does not match the payload (payload altered)';
    if (entry.entryHash !== chainHash(entry.prevHash, entry.leafHash)) return 'entry_hash does not match prev_hash + leaf_hash';
    const key = this.key(entry.kid);
    if (!key) return `unknown signing key ${entry.kid}`;
    if (!verifyEntrySignature(key, entry.entryHash, entry.signature)) return 'signature does not verify';
    return undefined;
  }

  private key(kid: string): KeyObject | undefined {
    if (!this.imported.has(kid)) {
      const jwk = this.keys.get(kid);
      this.imported.set(kid, jwk ? ed25519PublicKey(jwk) : undefined);
    }
    return this.imported.get(kid);
  }
}
