import { inspect } from 'node:util';
import { calculateJwkThumbprint, compactVerify, CompactSign, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { Ed25519Key, sha256Hex, verifyEd25519 } from './index.js';

describe('Ed25519Key', () => {
  const key = Ed25519Key.generate();
  const pem = key.toPem();
  const secretBody = pem.split('\n')[1]!;

  it('never shows the private key through JSON, String or util.inspect', () => {
    expect(pem).toContain('BEGIN PRIVATE KEY');
    for (const shown of [JSON.stringify(key), JSON.stringify({ key }), String(key), inspect(key), inspect({ key }, { depth: 5, showHidden: true })]) {
      expect(shown).toContain(key.kid);
      expect(shown).not.toContain(secretBody);
      expect(shown).not.toContain('PRIVATE');
      expect(shown).not.toMatch(/"d"/);
    }
    expect(JSON.parse(JSON.stringify(key))).toEqual({ kid: key.kid });
  });

  it('round-trips through PEM and keeps its kid, which is jose\'s RFC 7638 thumbprint', async () => {
    const again = Ed25519Key.fromPem(pem);
    expect(again.kid).toBe(key.kid);
    const { kty, crv, x } = key.publicJwk();
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty, crv, x }, 'sha256'));
    expect(key.publicJwk()).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: key.kid, alg: 'EdDSA', use: 'sig' });
    expect(key.publicJwk()).not.toHaveProperty('d');
  });

  it('signs so that verifyEd25519 and jose both verify, and rejects tampering', async () => {
    const data = new TextEncoder().encode('hello');
    const sig = key.sign(data);
    expect(verifyEd25519(key.publicJwk(), data, sig)).toBe(true);
    expect(verifyEd25519(key.publicJwk(), new TextEncoder().encode('hellO'), sig)).toBe(false);
    expect(verifyEd25519(Ed25519Key.generate().publicJwk(), data, sig)).toBe(false);
    expect(verifyEd25519({ kty: 'RSA' }, data, sig)).toBe(false);

    const jws = await new CompactSign(data).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(key.privateKeyObject);
    const { payload } = await compactVerify(jws, await importJWK(key.publicJwk(), 'EdDSA'));
    expect(new TextDecoder().decode(payload)).toBe('hello');
  });

  it('refuses a PEM that is not Ed25519', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => Ed25519Key.fromPem(ec)).toThrow(/Ed25519/);
  });
});

describe('sha256Hex', () => {
  it('hashes strings as UTF-8 and bytes as-is', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(sha256Hex('abc'));
  });
});
