import { Ed25519Key } from '@countersign/platform/crypto';
import { decodeProtectedHeader } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { KeyRing, KeySource } from '../keys/key-source.js';
import { SigningKeys } from '../keys/signing-keys.js';
import { BrokerError } from './errors.js';
import { buildGrantClaims } from './grant-claims.js';
import { GrantKeys } from './grant-keys.js';

/** A key source whose content a test changes between reads, as an operator changes the directory. */
class MemorySource implements KeySource {
  readonly location = 'memory';
  reads = 0;
  constructor(public ring: KeyRing) {}
  read(): Promise<KeyRing> {
    this.reads++;
    return Promise.resolve(this.ring);
  }
}

const silent = pino({ level: 'silent' });
const one = (key: Ed25519Key): KeyRing => ({ active: key, keys: [key] });
const grantKeys = async (source: KeySource) => new GrantKeys(await SigningKeys.load(source, silent));

const issuedAt = new Date('2026-01-01T00:00:00Z');
const { claims } = buildGrantClaims({
  jti: '5b0a3c4e-6f2d-4a8b-9c1d-2e3f4a5b6c7d',
  intentId: '01890a5d-ac96-774b-bcce-b302099a8057',
  intentHash: 'b'.repeat(64),
  requesterSubject: 'ci-deployer',
  audience: 'db-proxy',
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
  issuedAt,
  useTtlSeconds: 60,
});
const during = new Date(issuedAt.getTime() + 30_000);

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BrokerError);
  return (e as BrokerError).code;
}

describe('GrantKeys', () => {
  it('signs an EdDSA grant with the active kid and an explicit type, and verifies it', async () => {
    const key = Ed25519Key.generate();
    const keys = await grantKeys(new MemorySource(one(key)));
    const { token, kid } = await keys.sign(claims);
    expect(kid).toBe(key.kid);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: key.kid, typ: 'countersign-grant+jwt' });
    await expect(keys.verify(token, 'db-proxy', during)).resolves.toEqual({ claims, kid: key.kid });
    expect(keys.jwks().keys[0]).toMatchObject({ kid: key.kid, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(JSON.stringify(keys.jwks())).not.toContain('"d"');
  });

  it('refuses a tampered payload, another audience, an expired or foreign grant, alg none, with distinct codes', async () => {
    const keys = await grantKeys(new MemorySource(one(Ed25519Key.generate())));
    const { token } = await keys.sign(claims);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, action: 'db.drop' })).toString('base64url')}.${s}`;
    expect(await refusal(keys.verify(forged, 'db-proxy', during))).toBe('GRANT_INVALID');
    expect(await refusal(keys.verify(token, 'other-target', during))).toBe('AUDIENCE_MISMATCH');
    expect(await refusal(keys.verify(token, 'db-proxy', new Date(issuedAt.getTime() + 61_000)))).toBe('GRANT_TOKEN_EXPIRED');
    expect(await refusal(keys.verify('not-a-jwt', 'db-proxy', during))).toBe('GRANT_INVALID');
    const foreign = (await (await grantKeys(new MemorySource(one(Ed25519Key.generate())))).sign(claims)).token;
    expect(await refusal(keys.verify(foreign, 'db-proxy', during))).toBe('GRANT_INVALID');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const none = `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${p}.`;
    expect(await refusal(keys.verify(none, 'db-proxy', during))).toBe('GRANT_INVALID');
  });

  it('verifies with every key of the set and signs with the active one', async () => {
    const [older, newer] = [Ed25519Key.generate(), Ed25519Key.generate()];
    const source = new MemorySource(one(older));
    const signing = await SigningKeys.load(source, silent);
    const keys = new GrantKeys(signing);
    const byOlder = (await keys.sign(claims)).token;
    source.ring = { active: newer, keys: [older, newer] };
    expect(await signing.reload()).toBe(true);
    const byNewer = await keys.sign(claims);
    expect(byNewer.kid).toBe(newer.kid);
    expect((await keys.verify(byOlder, 'db-proxy', during)).kid).toBe(older.kid);
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([newer.kid, older.kid]);
  });

  it('reads the set again when a grant names a key it has not loaded (another copy rotated first), at most once a second', async () => {
    const [older, newer] = [Ed25519Key.generate(), Ed25519Key.generate()];
    const source = new MemorySource(one(older));
    const signing = await SigningKeys.load(source, silent);
    const keys = new GrantKeys(signing);
    const elsewhere = new GrantKeys(await SigningKeys.load(new MemorySource(one(newer)), silent));
    const token = (await elsewhere.sign(claims)).token;
    const readsAtBoot = source.reads;
    // Just loaded: a junk kid right now does not make it read again.
    expect(await refusal(keys.verify(token, 'db-proxy', during))).toBe('GRANT_INVALID');
    expect(source.reads).toBe(readsAtBoot);
    source.ring = { active: older, keys: [older, newer] };
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await keys.verify(token, 'db-proxy', during)).kid).toBe(newer.kid);
    expect(source.reads).toBe(readsAtBoot + 1);
  });

  it('keeps the set in force when a reload fails', async () => {
    const key = Ed25519Key.generate();
    const source = new MemorySource(one(key));
    const signing = await SigningKeys.load(source, silent);
    source.read = () => Promise.reject(new Error('broken.pem is not an Ed25519 private key in PKCS8 PEM'));
    expect(await signing.reload()).toBe(false);
    expect(signing.active.kid).toBe(key.kid);
  });
});
