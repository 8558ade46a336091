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

/**
 * Checks a whole chain from seq 1 and names the first entry that is wrong. Entries are taken in the
 * order given, so a swap or a deletion shows as a seq or prev-hash break at the first moved entry.
 */
export function verifyChain(entries: ChainEntry[], keys: Map<string, JWK>): VerifyChainResult {
  const imported = new Map<string, KeyObject | undefined>();
  let prev = GENESIS_HASH;
  for (const [index, entry] of entries.entries()) {
    const fail = (reason: string): VerifyChainResult => ({ ok: false, seq: entry.seq, eventId: entry.eventId, reason });
    const expectedSeq = index + 1;
    if (entry.seq !== expectedSeq) return fail(`seq ${entry.seq} where ${expectedSeq} was expected (entry missing or out of order)`);
    if (entry.prevHash !== prev) return fail('prev_hash does not match the previous entry hash');
    let leaf: string;
    try {
      leaf = leafHash(entry.payload);
    } catch {
      return fail('payload is not serialisable as JSON');
    }
    if (entry.leafHash !== leaf) return fail('leaf_hash does not match the payload (payload altered)');
    if (entry.entryHash !== chainHash(entry.prevHash, entry.leafHash)) return fail('entry_hash does not match prev_hash + leaf_hash');
    if (!imported.has(entry.kid)) {
      const jwk = keys.get(entry.kid);
      imported.set(entry.kid, jwk ? ed25519PublicKey(jwk) : undefined);
    }
    const key = imported.get(entry.kid);
    if (!key) return fail(`unknown signing key ${entry.kid}`);
    if (!verifyEntrySignature(key, entry.entryHash, entry.signature)) return fail('signature does not verify');
    prev = entry.entryHash;
  }
  return { ok: true, count: entries.length, head: prev };
}

function hexBytes(hex: string): Buffer {
  if (!HEX64.test(hex)) throw new TypeError('expected a 64-character lowercase hex hash');
  return Buffer.from(hex, 'hex');
}
