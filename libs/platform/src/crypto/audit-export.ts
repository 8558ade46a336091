import type { JWK } from './ed25519-key.js';
import { ChainVerifier, leafHash, type ChainEntry } from './chain.js';
import { verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import { merkleLeafHash, MerkleRootBuilder } from './merkle.js';

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

export interface VerifyExportOptions {
  /**
   * Checks each entry's service signature; returns why it fails, or undefined. The CLI builds it from
   * the event keys (platform/event-keys `EventVerifier.verifyView`): crypto does not know who owns what.
   */
  serviceSignature?: (entry: ChainEntry) => string | undefined;
}

/**
 * Checks an export line by line: the chain (seq, prev hash, leaf hash from the payload, entry hash,
 * signature) and each service signature, then that the signed checkpoint's root is the Merkle root of
 * the first `size` events and that the export holds all of them. Names the first bad event and why.
 * Fed one line at a time, it holds O(log n) hashes, so an export of millions of events is checked in
 * bounded memory.
 */
export class AuditExportVerifier {
  private lineNo = 0;
  private header: AuditExportHeader | undefined;
  private checkpoint: Checkpoint | undefined;
  private chain: ChainVerifier | undefined;
  private readonly root = new MerkleRootBuilder();
  private entries = 0;
  private failed: ExportVerdict | undefined;

  constructor(
    private readonly pinnedKeys?: readonly JWK[],
    private readonly opts: VerifyExportOptions = {},
  ) {}

  /** The header, once its line was read (the CLI takes the event keys from it when none are pinned). */
  get exportHeader(): AuditExportHeader | undefined {
    return this.header;
  }

  /** Feeds the next line; returns the verdict as soon as something is wrong (later lines are ignored). */
  push(line: string): ExportVerdict | undefined {
    this.lineNo += 1;
    if (this.failed || line.trim() === '') return this.failed;
    this.failed = this.header ? this.entry(line) : this.start(line);
    return this.failed;
  }

  finish(): ExportVerdict {
    if (this.failed) return this.failed;
    const checkpoint = this.checkpoint;
    if (!checkpoint) return { ok: false, reason: 'the export is empty' };
    if (this.entries < checkpoint.size) {
      return { ok: false, seq: this.entries + 1, reason: `the export ends at seq ${this.entries} but the signed checkpoint covers ${checkpoint.size} events (truncated)` };
    }
    if (!this.root.root().equals(checkpoint.root)) {
      return { ok: false, reason: `the events do not hash to the signed root of the checkpoint of size ${checkpoint.size}` };
    }
    return { ok: true, entries: this.entries, checkpoint };
  }

  private start(line: string): ExportVerdict | undefined {
    let header: AuditExportHeader;
    try {
      header = parseLine(line, this.lineNo) as AuditExportHeader;
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    if (header?.format !== AUDIT_EXPORT_FORMAT) return { ok: false, reason: `not a ${AUDIT_EXPORT_FORMAT} file` };
    const keys = [...(this.pinnedKeys ?? header.keys)];
    this.checkpoint = keys.map((k) => verifyCheckpoint(header.checkpoint, k, header.origin)).find((c) => c !== null) ?? undefined;
    if (!this.checkpoint) return { ok: false, reason: 'the checkpoint is not signed by any of the keys' };
    this.header = header;
    this.chain = new ChainVerifier(new Map(keys.filter((k) => k.kid).map((k) => [k.kid!, k])));
    return undefined;
  }

  private entry(line: string): ExportVerdict | undefined {
    let entry: ChainEntry;
    try {
      entry = parseLine(line, this.lineNo) as ChainEntry;
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const failure = this.chain!.push([entry]);
    if (failure) return { ok: false, seq: failure.seq, eventId: failure.eventId, reason: failure.reason };
    const serviceFailure = this.opts.serviceSignature?.(entry);
    if (serviceFailure) return { ok: false, seq: entry.seq, eventId: entry.eventId, reason: `service signature: ${serviceFailure}` };
    this.entries += 1;
    // The checkpoint's root covers its first `size` events; an export holds exactly those.
    if (this.entries <= this.checkpoint!.size) this.root.push(merkleLeafHash(Buffer.from(leafHash(entry.payload), 'hex')));
    return undefined;
  }
}

/** The whole export in one string (tests, small logs); the CLI streams through AuditExportVerifier. */
export function verifyAuditExport(text: string, pinnedKeys?: readonly JWK[], opts: VerifyExportOptions = {}): ExportVerdict {
  const verifier = new AuditExportVerifier(pinnedKeys, opts);
  for (const line of text.split('\n')) {
    const failure = verifier.push(line);
    if (failure) return failure;
  }
  return verifier.finish();
}
