import { createHash } from 'node:crypto';
import { leafHash, type ChainEntry } from './chain.js';
import { verifyCheckpoint } from './checkpoint.js';
import { verifyEd25519, type JWK } from './ed25519-key.js';
import { merkleLeafHash, verifyInclusion } from './merkle.js';

/** What `countersign evidence verify` concludes about an evidence package, offline. */
export type EvidenceVerdict =
  | { ok: true; events: number; population: number; checkpoint: { size: number; root: string }; keysFrom: 'pinned' | 'package' }
  | { ok: false; reason: string };

interface Manifest {
  format: string;
  origin: string;
  checkpoint: { size: number; root: string };
  files: Array<{ name: string; sha256: string }>;
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/**
 * Checks an evidence package from GET /v1/evidence, given its files: the manifest's signature, every
 * file's SHA-256, the checkpoint's signature, and each event's inclusion proof against it. Pinned keys
 * should be the log's published JWKS; without them the package's own keys.json is used (and said so).
 */
export interface VerifyEvidenceOptions {
  /** Checks an event's service signature (see VerifyExportOptions); returns why it fails, or undefined. */
  serviceSignature?: (entry: Pick<ChainEntry, 'payload' | 'serviceSignature'>) => string | undefined;
}

export function verifyEvidence(files: Readonly<Record<string, Uint8Array>>, pinnedKeys?: readonly JWK[], opts: VerifyEvidenceOptions = {}): EvidenceVerdict {
  const need = ['manifest.json', 'manifest.sig', 'checkpoint.txt', 'events.jsonl', 'population.csv', 'keys.json'];
  const missing = need.filter((n) => !files[n]);
  if (missing.length > 0) return { ok: false, reason: `missing ${missing.join(', ')}` };
  let manifest: Manifest;
  let sig: { kid?: string; signature?: string };
  let keys: JWK[];
  try {
    manifest = JSON.parse(text(files['manifest.json']!)) as Manifest;
    sig = JSON.parse(text(files['manifest.sig']!)) as { kid?: string; signature?: string };
    keys = pinnedKeys ? [...pinnedKeys] : ((JSON.parse(text(files['keys.json']!)) as { keys: JWK[] }).keys ?? []);
  } catch {
    return { ok: false, reason: 'manifest.json, manifest.sig or keys.json is not valid JSON' };
  }
  const key = keys.find((k) => k.kid === sig.kid);
  if (!key || !sig.signature) return { ok: false, reason: `manifest signed by unknown key ${sig.kid ?? '(none)'}` };
  if (!verifyEd25519(key, files['manifest.json']!, Buffer.from(sig.signature, 'base64url'))) return { ok: false, reason: 'manifest signature does not verify' };
  for (const f of manifest.files) {
    const content = files[f.name];
    if (!content) return { ok: false, reason: `${f.name} is listed in the manifest but missing` };
    if (createHash('sha256').update(content).digest('hex') !== f.sha256) return { ok: false, reason: `${f.name} does not match its SHA-256 in the manifest (altered)` };
  }
  const checkpoint = verifyCheckpoint(text(files['checkpoint.txt']!), key, manifest.origin);
  if (!checkpoint) return { ok: false, reason: 'checkpoint.txt is not signed by the manifest key for this origin' };
  if (checkpoint.size !== manifest.checkpoint.size || checkpoint.root.toString('hex') !== manifest.checkpoint.root) {
    return { ok: false, reason: 'the manifest and checkpoint.txt name different checkpoints' };
  }
  const lines = text(files['events.jsonl']!).split('\n').filter((l) => l.trim() !== '');
  for (const [i, line] of lines.entries()) {
    const e = JSON.parse(line) as { seq: number; payload: unknown; serviceSignature?: string | null; inclusion: { leafIndex: number; treeSize: number; proof: string[] } };
    const leaf = merkleLeafHash(Buffer.from(leafHash(e.payload), 'hex'));
    const proof = e.inclusion.proof.map((h) => Buffer.from(h, 'hex'));
    if (e.inclusion.treeSize !== checkpoint.size || !verifyInclusion(leaf, e.inclusion.leafIndex, checkpoint.size, proof, checkpoint.root)) {
      return { ok: false, reason: `events.jsonl line ${i + 1} (seq ${e.seq}) is not in the signed tree` };
    }
    const serviceFailure = opts.serviceSignature?.(e);
    if (serviceFailure) return { ok: false, reason: `events.jsonl line ${i + 1} (seq ${e.seq}): service signature: ${serviceFailure}` };
  }
  const population = Math.max(0, text(files['population.csv']!).trimEnd().split('\n').length - 1);
  return { ok: true, events: lines.length, population, checkpoint: { size: checkpoint.size, root: manifest.checkpoint.root }, keysFrom: pinnedKeys ? 'pinned' : 'package' };
}
