import { readFile } from 'node:fs/promises';
import { Ed25519Key, type JWK } from '@countersign/platform/crypto';

export class SigningKeyError extends Error {
  readonly code = 'SIGNING_KEY_INVALID';
  constructor(file: string, reason: string) {
    // Names the file, never its contents.
    super(`AUDIT_SIGNING_KEY_FILE ${file}: ${reason}`);
    this.name = 'SigningKeyError';
  }
}

/**
 * The key that signs every audit entry, parsed once at boot (parsing per signature is ~10x slower,
 * STACK.md). Rotation (serving retired public keys next to the current one) is a later issue; the
 * JWKS is already a list so verifiers need no change then.
 */
export class AuditSigningKey {
  private constructor(readonly key: Ed25519Key) {}

  static async fromFile(file: string): Promise<AuditSigningKey> {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (error) {
      throw new SigningKeyError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      return new AuditSigningKey(Ed25519Key.fromPem(pem));
    } catch {
      throw new SigningKeyError(file, 'not an Ed25519 PKCS8 PEM private key');
    }
  }

  static of(key: Ed25519Key): AuditSigningKey {
    return new AuditSigningKey(key);
  }

  get kid(): string {
    return this.key.kid;
  }

  publicKeys(): Map<string, JWK> {
    return new Map([[this.key.kid, this.key.publicJwk()]]);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [...this.publicKeys().values()] };
  }
}
