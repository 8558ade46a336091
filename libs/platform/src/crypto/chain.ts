import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { canonicalJson } from '@countersign/domain';
import { ed25519PublicKey, verifyEd25519, type Ed25519Key } from './ed25519-key.js';
import { sha256Hex } from './sha256.js';

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainEntry {
  seq: number;
  eventId: string;
  payload: unknown;
  leafHash: string;
  prevHash: string;
  entryHash: string;
  signature: string;
  kid: string;
  /** The emitting service's detached JWS over the RFC 8785 form of `payload` (checked with event keys, not by the chain). */
  serviceSignature?: string | null;
  serviceKid?: string | null;
}

export type VerifyChainResult =
  | { ok: true; count: number; head: string }
  | { ok: false; seq: number; eventId: string; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;

/** Hash of an event's RFC 8785 canonical JSON: independent of key order and whitespace. */
export function leafHash(event: unknown): string {
  return sha256Hex(canonicalJson(event));
}

/** sha256 over the ASCII concatenation of the two hex strings (simple to re-implement in any verifier). */
export function chainHash(prevHash: string, leaf: string): string {
  return sha256Hex(prevHash + leaf);
}

/** base64url Ed25519 signature over the 32 raw bytes of the entry hash. */
export function signEntry(key: Ed25519Key, entryHash: string): string {
  return key.sign(hexBytes(entryHash)).toString('base64url');
}

export function verifyEntrySignature(publicKey: JWK | KeyObject, entryHash: string, signature: string): boolean {
  if (!HEX64.test(entryHash)) return false;
  return verifyEd25519(publicKey, hexBytes(entryHash), Buffer.from(signature, 'base64url'));
}

export type ChainFailure = Extract<VerifyChainResult, { ok: false }>;

/** Where verification resumes: the last entry already trusted (seq 0 + GENESIS_HASH is the empty chain). */
export interface ChainPosition {
  seq: number;
  entryHash: string;
}

export interface VerifyChainOptions {
  /** Check entries that continue the chain after this one instead of from seq 1. */
  after?: ChainPosition;
}

/**
 * Checks a chain page by page, carrying the expected seq and prev hash across pages, so a table of
 * millions of rows never has to be held in memory. Entries are taken in the order given, so a swap or a
 * deletion shows as a seq or prev-hash break at the first moved entry, wherever the page boundaries are.
 */
export class ChainVerifier {
  private seq: number;
  private prev: string;
  private count = 0;
  private failure: ChainFailure | undefined;
  private readonly imported = new Map<string, KeyObject | undefined>();

  constructor(
    private readonly keys: Map<string, JWK>,
    opts: VerifyChainOptions = {},
  ) {
    this.seq = opts.after?.seq ?? 0;
    this.prev = opts.after?.entryHash ?? GENESIS_HASH;
  }

  /** Checks the next entries in order; returns the first failure (also on every later call), or undefined. */
  push(entries: readonly ChainEntry[]): ChainFailure | undefined {
    if (this.failure) return this.failure;
    for (const entry of entries) {
      const reason = this.check(entry);
      if (reason) {
        this.failure = { ok: false, seq: entry.seq, eventId: entry.eventId, reason };
        return this.failure;
      }
      this.seq = entry.seq;
      this.prev = entry.entryHash;
      this.count += 1;
    }
    return undefined;
  }

  /** The verdict so far: `count` is the number of entries pushed (not counting `after`), `head` the last entry hash. */
  result(): VerifyChainResult {
    return this.failure ?? { ok: true, count: this.count, head: this.prev };
  }

  private check(entry: ChainEntry): string | undefined {
    const expectedSeq = this.seq + 1;
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

/**
 * Checks a chain held in memory (from seq 1, or continuing `after` a trusted entry) and names the first
 * entry that is wrong. One `ChainVerifier` page; use the class directly to check a chain in pages.
 */
export function verifyChain(entries: readonly ChainEntry[], keys: Map<string, JWK>, opts: VerifyChainOptions = {}): VerifyChainResult {
  const verifier = new ChainVerifier(keys, opts);
  verifier.push(entries);
  return verifier.result();
}

function hexBytes(hex: string): Buffer {
  if (!HEX64.test(hex)) throw new TypeError('expected a 64-character lowercase hex hash');
  return Buffer.from(hex, 'hex');
}
