import { readFile } from 'node:fs/promises';
import { hmacTokenizer, MIN_MASK_KEY_BYTES, type Tokenizer } from '@countersign/domain';

/**
 * The keyed hash that turns masked values into tokens. Injected (not a module constant) so that the key
 * is read once, from a file, and tests can build one from a known key.
 */
export class MaskTokens {
  constructor(readonly tokenize: Tokenizer) {}

  static fromKey(key: Uint8Array): MaskTokens {
    return new MaskTokens(hmacTokenizer(key));
  }

  /** Reads the key file; a missing or short key fails boot naming the file, never printing its content. */
  static async fromFile(file: string): Promise<MaskTokens> {
    let key: Buffer;
    try {
      key = await readFile(file);
    } catch (error) {
      throw new Error(`POLICY_MASK_KEY_FILE ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const trimmed = Buffer.from(key.toString('utf8').trim(), 'utf8');
    if (trimmed.length < MIN_MASK_KEY_BYTES) {
      throw new Error(`POLICY_MASK_KEY_FILE ${file} holds ${trimmed.length} bytes; the masking key needs at least ${MIN_MASK_KEY_BYTES}`);
    }
    return MaskTokens.fromKey(trimmed);
  }
}
