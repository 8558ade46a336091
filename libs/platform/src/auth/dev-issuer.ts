import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { DemoIdentity } from './demo-identities.js';

/**
 * DEV ONLY. A local token issuer so that demos and tests need no IdP. Services trust it only when
 * DEV_ISSUER_ENABLED=true; production configures real issuers in AUTH_ISSUERS instead.
 */
export const DEV_ISSUER = 'urn:countersign:dev-issuer';
export const DEV_AUDIENCE = 'countersign';
export const DEV_PRIVATE_KEY_FILE = 'private.jwk.json';
export const DEV_JWKS_FILE = 'jwks.json';

export interface MintOptions {
  ttlSeconds?: number;
  audience?: string;
  /** Backdates the token (tests of expiry). */
  issuedAt?: Date;
  issuer?: string;
  /** When the person last signed in (`auth_time`): step-up votes need a recent one. */
  authTime?: Date;
}

export class DevIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly kid: string,
    /** Path of the public JWKS; point DEV_ISSUER_JWKS_FILE at it. */
    readonly jwksFile: string | undefined,
  ) {}

  /** Loads the key pair from `dir`, creating it (private key file mode 0600) on first use. */
  static async loadOrCreate(dir: string): Promise<DevIssuer> {
    const privatePath = join(dir, DEV_PRIVATE_KEY_FILE);
    const jwksPath = join(dir, DEV_JWKS_FILE);
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(await readFile(privatePath, 'utf8')) as JWK;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      privateJwk = await exportJWK(privateKey);
      privateJwk.kid = await calculateJwkThumbprint(privateJwk);
      privateJwk.alg = 'EdDSA';
      // 'wx' so that two processes racing to create the key do not overwrite each other's.
      try {
        await writeFile(privatePath, JSON.stringify(privateJwk, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        privateJwk = JSON.parse(await readFile(privatePath, 'utf8')) as JWK;
      }
    }
    await chmod(privatePath, 0o600);
    const issuer = await DevIssuer.fromPrivateJwk(privateJwk, jwksPath);
    await writeFile(jwksPath, JSON.stringify(issuer.jwks(), null, 2) + '\n', { mode: 0o644 });
    return issuer;
  }

  /** An in-memory issuer (tests: a second key whose tokens must be refused). */
  static async generate(): Promise<DevIssuer> {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    return DevIssuer.fromPrivateJwk(await exportJWK(privateKey), undefined);
  }

  private static async fromPrivateJwk(privateJwk: JWK, jwksFile: string | undefined): Promise<DevIssuer> {
    const { kty, crv, x } = privateJwk;
    if (kty !== 'OKP' || crv !== 'Ed25519' || !x || !privateJwk.d) throw new Error('dev issuer key must be an Ed25519 private JWK');
    const kid = privateJwk.kid ?? (await calculateJwkThumbprint({ kty, crv, x }));
    const key = await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA');
    if (key instanceof Uint8Array) throw new Error('dev issuer key must be asymmetric');
    return new DevIssuer(key, { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' }, kid, jwksFile);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async mint(identity: DemoIdentity, opts: MintOptions = {}): Promise<string> {
    const issuedAt = Math.floor((opts.issuedAt ?? new Date()).getTime() / 1000);
    const claims: Record<string, unknown> = {
      groups: identity.groups,
      countersign_kind: identity.kind,
      scope: identity.scopes.join(' '),
    };
    if (identity.owner !== undefined) claims['owner'] = identity.owner;
    if (opts.authTime) claims['auth_time'] = Math.floor(opts.authTime.getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'JWT' })
      .setIssuer(opts.issuer ?? DEV_ISSUER)
      .setSubject(identity.subject ?? identity.name)
      .setAudience(opts.audience ?? DEV_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + (opts.ttlSeconds ?? 3600))
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  /** Never reveal the private key through logs or JSON. */
  toJSON(): { kid: string } {
    return { kid: this.kid };
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DevIssuer { kid: ${this.kid} }`;
  }
}
