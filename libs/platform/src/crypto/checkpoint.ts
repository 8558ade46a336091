import { createHash } from 'node:crypto';
import type { Ed25519Key, JWK } from './ed25519-key.js';
import { verifyEd25519 } from './ed25519-key.js';

/**
 * Signed checkpoints of the audit log's Merkle tree in the C2SP formats (tlog-checkpoint inside a
 * signed-note), as transparency logs (Sigstore Rekor, the Go checksum database) publish them, so an
 * auditor can check them with existing tools:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key hash ‖ Ed25519 signature)>\n
 *
 * The signature covers the note body (the first three lines with their newlines). The key hash is the
 * first 4 bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key), 0x01 naming Ed25519.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

const ED25519_ALG = 0x01;

function rawPublicKey(jwk: JWK): Buffer {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('not an Ed25519 public JWK');
  return Buffer.from(jwk.x, 'base64url');
}

export function noteKeyHash(name: string, publicKey: JWK): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update('\n')
    .update(Buffer.from([ED25519_ALG]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

export function checkpointBody({ origin, size, root }: Checkpoint): string {
  if (!origin || origin.includes('\n')) throw new TypeError('a checkpoint origin is one non-empty line');
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

/** The signed note; the key name is the origin, as the C2SP spec recommends for a log's own key. */
export function signCheckpoint(key: Ed25519Key, checkpoint: Checkpoint): string {
  const body = checkpointBody(checkpoint);
  const signature = key.sign(Buffer.from(body, 'utf8'));
  const blob = Buffer.concat([noteKeyHash(checkpoint.origin, key.publicJwk()), signature]).toString('base64');
  return `${body}\n— ${checkpoint.origin} ${blob}\n`;
}

/** Parses and verifies a signed checkpoint against the log's public key; null on any mismatch. */
export function verifyCheckpoint(note: string, publicKey: JWK, origin: string): Checkpoint | null {
  const split = note.indexOf('\n\n');
  if (split < 0) return null;
  const body = note.slice(0, split + 1);
  const [name, size, root, extra] = body.split('\n');
  if (name !== origin || extra !== '' || !/^\d+$/.test(size ?? '') || root === undefined) return null;
  const keyHash = noteKeyHash(origin, publicKey);
  for (const line of note.slice(split + 2).split('\n')) {
    const match = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || match[1] !== origin) continue;
    const blob = Buffer.from(match[2]!, 'base64');
    if (blob.length !== 68 || !blob.subarray(0, 4).equals(keyHash)) continue;
    if (verifyEd25519(publicKey, Buffer.from(body, 'utf8'), blob.subarray(4))) {
      const rootBytes = Buffer.from(root, 'base64');
      if (rootBytes.length !== 32) return null;
      return { origin, size: Number(size), root: rootBytes };
    }
  }
  return null;
}
