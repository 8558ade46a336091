import type { JWK } from './ed25519-key.js';
import { ChainVerifier, leafHash, type ChainEntry } from './chain.js';
import { verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import { merkleLeafHash, merkleRoot, type Hash } from './merkle.js';

/**
 * The audit export an auditor verifies offline: JSON Lines, a header then one entry per event in seq
 * order. The header carries the log's origin, the public keys and the signed checkpoint the export
 * ends at; an auditor should pin the keys (they are also served at /.well-known/jwks.json) rather than
 * trust the ones in the file.
 */
export const AUDIT_EXPORT_FORMAT = 'countersign-audit-export/v1';

export interface AuditExportHeader {
  format: typeof AUDIT_EXPORT_FORMAT;
  origin: string;
  keys: JWK[];
  /** Every service's public event key with its owner (the keys file, `{ keys: [{ …jwk, service }] }`). */
  eventKeys?: { keys: Array<JWK & { service?: string }> };
  checkpoint: string;
}

export type ExportVerdict =
  | { ok: true; entries: number; checkpoint: Checkpoint }
  | { ok: false; reason: string; seq?: number; eventId?: string };

function parseLine(line: string, n: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new Error(`line ${n} is not JSON`);
  }
}

/**
 * Checks an export line by line: the chain (seq, prev hash, leaf hash from the payload, entry hash,
 * signature), then that the signed checkpoint's root is the Merkle root of the first `size` events and
 * that the export holds all of them. Names the first bad event and why.
 */
export interface VerifyExportOptions {
  /**
   * Checks each entry's service signature; returns why it fails, or undefined. The CLI builds it from
   * the event keys (platform/event-keys `EventVerifier.verifyView`): crypto does not know who owns what.
   */
  serviceSignature?: (entry: ChainEntry) => string | undefined;
}

export function verifyAuditExport(text: string, pinnedKeys?: readonly JWK[], opts: VerifyExportOptions = {}): ExportVerdict {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { ok: false, reason: 'the export is empty' };
  let header: AuditExportHeader;
  try {
    header = parseLine(lines[0]!, 1) as AuditExportHeader;
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (header?.format !== AUDIT_EXPORT_FORMAT) return { ok: false, reason: `not a ${AUDIT_EXPORT_FORMAT} file` };
  const keys = [...(pinnedKeys ?? header.keys)];
  const checkpoint = keys.map((k) => verifyCheckpoint(header.checkpoint, k, header.origin)).find((c) => c !== null);
  if (!checkpoint) return { ok: false, reason: 'the checkpoint is not signed by any of the keys' };
  const verifier = new ChainVerifier(new Map(keys.filter((k) => k.kid).map((k) => [k.kid!, k])));
  const leaves: Hash[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    let entry: ChainEntry;
    try {
      entry = parseLine(lines[i]!, i + 1) as ChainEntry;
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const failure = verifier.push([entry]);
    if (failure) return { ok: false, seq: failure.seq, eventId: failure.eventId, reason: failure.reason };
    const serviceFailure = opts.serviceSignature?.(entry);
    if (serviceFailure) return { ok: false, seq: entry.seq, eventId: entry.eventId, reason: `service signature: ${serviceFailure}` };
    leaves.push(merkleLeafHash(Buffer.from(leafHash(entry.payload), 'hex')));
  }
  if (leaves.length < checkpoint.size) {
    return { ok: false, seq: leaves.length + 1, reason: `the export ends at seq ${leaves.length} but the signed checkpoint covers ${checkpoint.size} events (truncated)` };
  }
  if (!merkleRoot(leaves, checkpoint.size).equals(checkpoint.root)) {
    return { ok: false, reason: `the events do not hash to the signed root of the checkpoint of size ${checkpoint.size}` };
  }
  return { ok: true, entries: leaves.length, checkpoint };
}
