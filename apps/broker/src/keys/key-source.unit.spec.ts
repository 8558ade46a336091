import { mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ed25519Key } from '@countersign/platform/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyDirectorySource, KeyFileSource, KeySourceError } from './key-source.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, key = Ed25519Key.generate(), mtime?: Date): Promise<Ed25519Key> {
  await writeFile(join(dir, name), key.toPem());
  if (mtime) await utimes(join(dir, name), mtime, mtime);
  return key;
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const kids = (ring: { active: Ed25519Key; keys: Ed25519Key[] }) => ({ active: ring.active.kid, keys: ring.keys.map((k) => k.kid).sort() });

describe('KeyDirectorySource', () => {
  it('verifies with every *.pem and signs with the newest by mtime (ties: the greater name)', async () => {
    const a = await put('a.pem', undefined, at(1));
    const b = await put('b.pem', undefined, at(3));
    const c = await put('c.pem', undefined, at(2));
    await writeFile(join(dir, 'README.txt'), 'not a key');
    await put('.hidden.pem', undefined, at(9));
    expect(kids(await new KeyDirectorySource(dir).read())).toEqual({ active: b.kid, keys: [a.kid, b.kid, c.kid].sort() });
    const d = await put('d.pem', undefined, at(3));
    expect((await new KeyDirectorySource(dir).read()).active.kid).toBe(d.kid);
  });

  it('signs with the key the `active` file names (by file name, or as a symlink to it) whatever the mtimes', async () => {
    const a = await put('a.pem', undefined, at(1));
    await put('b.pem', undefined, at(5));
    await writeFile(join(dir, 'active'), 'a.pem\n');
    expect((await new KeyDirectorySource(dir).read()).active.kid).toBe(a.kid);
    await rm(join(dir, 'active'));
    await symlink(join(dir, 'a.pem'), join(dir, 'active'));
    expect((await new KeyDirectorySource(dir).read()).active.kid).toBe(a.kid);
  });

  it('refuses an empty directory, a file that is not an Ed25519 key, and an `active` naming no key, without quoting contents', async () => {
    await expect(new KeyDirectorySource(dir).read()).rejects.toThrow(/holds no \*\.pem key/);
    await put('a.pem');
    await writeFile(join(dir, 'rsa.pem'), '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n');
    const bad = await new KeyDirectorySource(dir).read().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(KeySourceError);
    expect((bad as Error).message).toBe('rsa.pem is not an Ed25519 private key in PKCS8 PEM');
    await rm(join(dir, 'rsa.pem'));
    await writeFile(join(dir, 'active'), 'c2VjcmV0LWJ5dGVz');
    const named = await new KeyDirectorySource(dir).read().catch((e: unknown) => e);
    expect((named as Error).message).toBe('active names no *.pem key of the directory');
  });

  it('counts a key present twice once', async () => {
    const key = await put('a.pem');
    await put('copy.pem', key);
    expect((await new KeyDirectorySource(dir).read()).keys).toHaveLength(1);
  });
});

describe('KeyFileSource', () => {
  it('one key that signs and verifies', async () => {
    const key = await put('broker.pem');
    expect(kids(await new KeyFileSource(join(dir, 'broker.pem')).read())).toEqual({ active: key.kid, keys: [key.kid] });
  });
});
