import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  KeyObject,
} from 'node:crypto';
import { inspect } from 'node:util';
import type { JWK } from 'jose';

export type { JWK };

/**
 * An Ed25519 signing key, parsed once (parsing a PEM per signature is ~10x slower).
 * Only the kid ever shows in logs, JSON or inspection.
 */
export class Ed25519Key {
  readonly kid: string;
  readonly #privateKey: KeyObject;
  readonly #publicJwk: JWK;

  private constructor(privateKey: KeyObject, publicJwk: JWK, kid: string) {
    this.#privateKey = privateKey;
    this.#publicJwk = publicJwk;
    this.kid = kid;
  }

  static fromPem(pem: string): Ed25519Key {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new TypeError(`expected an Ed25519 private key, got ${key.asymmetricKeyType ?? 'unknown'}`);
    }
    return Ed25519Key.fromKeyObject(key);
  }

  static generate(): Ed25519Key {
    return Ed25519Key.fromKeyObject(generateKeyPairSync('ed25519').privateKey);
  }

  private static fromKeyObject(privateKey: KeyObject): Ed25519Key {
    const { kty, crv, x } = createPublicKey(privateKey).export({ format: 'jwk' });
    if (kty !== 'OKP' || crv !== 'Ed25519' || !x) throw new TypeError('not an Ed25519 key');
    const jwk: JWK = { kty, crv, x };
    // jose's calculateJwkThumbprint is async; fromPem must not be. A unit test pins this to jose's result.
    const kid = thumbprintSync(jwk);
    return new Ed25519Key(privateKey, { ...jwk, kid, alg: 'EdDSA', use: 'sig' }, kid);
  }

  /** For jose's SignJWT / CompactSign. */
  get privateKeyObject(): KeyObject {
    return this.#privateKey;
  }

  sign(data: Uint8Array): Buffer {
    return nodeSign(null, data, this.#privateKey);
  }

  publicJwk(): JWK {
    return { ...this.#publicJwk };
  }

  toPem(): string {
    return this.#privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  toJSON(): { kid: string } {
    return { kid: this.kid };
  }

  toString(): string {
    return `Ed25519Key(${this.kid})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Verifies a raw Ed25519 signature against a public JWK; false (never throws) on any mismatch. */
export function verifyEd25519(publicJwk: JWK | KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = publicJwk instanceof KeyObject ? publicJwk : ed25519PublicKey(publicJwk);
    return key !== undefined && nodeVerify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** Imports a public JWK once, for callers verifying many signatures with one key. */
export function ed25519PublicKey(publicJwk: JWK): KeyObject | undefined {
  if (publicJwk.kty !== 'OKP' || publicJwk.crv !== 'Ed25519' || !publicJwk.x) return undefined;
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x }, format: 'jwk' });
}

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace. */
function thumbprintSync(jwk: { crv?: string; kty?: string; x?: string }): string {
  const json = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(json).digest('base64url');
}
