import { createHmac, createSecretKey } from 'node:crypto';

/** Turns a secret into a stable opaque token (lower-case hex). */
export type Tokenizer = (value: string) => string;

/** RFC 2104: a key shorter than the hash output (32 bytes for SHA-256) weakens the HMAC. */
export const MIN_MASK_KEY_BYTES = 32;

/**
 * 20 hex characters = 80 bits of the HMAC. The token only has to make equal values look equal and
 * different values look different to a reviewer; nobody can compute a token without the key, so the
 * length does not protect the value (the key does). Accidental collisions need ~2^40 distinct values
 * (birthday bound), far beyond anything one reviewer compares, and 20 characters stay readable in a
 * Slack message.
 */
export const TOKEN_HEX_CHARS = 20;

/**
 * HMAC-SHA256 keyed with the policy's mask key, truncated to {@link TOKEN_HEX_CHARS}. A string key
 * is taken as its UTF-8 bytes. The key is copied, so later changes to the caller's buffer do not
 * change the tokens.
 */
export function hmacTokenizer(key: Uint8Array | string): Tokenizer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < MIN_MASK_KEY_BYTES) {
    throw new RangeError(`mask key must be at least ${MIN_MASK_KEY_BYTES} bytes, got ${bytes.length}`);
  }
  // A KeyObject is imported once; handing raw bytes to createHmac would copy them on every call.
  const secret = createSecretKey(bytes);
  return (value) =>
    createHmac('sha256', secret)
      .update(value, 'utf8')
      .digest()
      .toString('hex', 0, TOKEN_HEX_CHARS / 2);
}
