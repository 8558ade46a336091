import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Ed25519Key } from '@countersign/platform/crypto';

/** The keys in force: `active` signs new grants; every key in `keys` (active included) verifies. */
export interface KeyRing {
  active: Ed25519Key;
  keys: Ed25519Key[];
}

/** Where the signing keys come from. `location` is a path for logs, never key material. */
export interface KeySource {
  readonly location: string;
  read(): Promise<KeyRing>;
}

/** A key set that cannot be used; the message names files, never their content. */
export class KeySourceError extends Error {
  readonly code = 'SIGNING_KEYS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'KeySourceError';
  }
}

function parseKey(pem: string, name: string): Ed25519Key {
  try {
    return Ed25519Key.fromPem(pem);
  } catch {
    // node's message is generic, but a parser error is no place to risk echoing key bytes.
    throw new KeySourceError(`${name} is not an Ed25519 private key in PKCS8 PEM`);
  }
}

/** BROKER_SIGNING_KEY_FILE: one key, which signs and verifies. No rotation: use a directory for that. */
export class KeyFileSource implements KeySource {
  constructor(readonly location: string) {}

  async read(): Promise<KeyRing> {
    const key = parseKey(await readFile(this.location, 'utf8'), basename(this.location));
    return { active: key, keys: [key] };
  }
}

interface DirEntry {
  name: string;
  key: Ed25519Key;
  mtimeMs: number;
}

/** Name of the optional file that says which key signs (its content: a key's file name). */
export const ACTIVE_FILE = 'active';

/**
 * BROKER_SIGNING_KEYS_DIR: every `*.pem` in the directory verifies; one of them signs. That one is the
 * key the `active` file names if there is one (so that a new key can be published in the JWKS before it
 * signs anything), otherwise the newest file by mtime (ties: the greatest name). Dot-files are skipped:
 * Kubernetes secret volumes keep their internals under `..data`.
 */
export class KeyDirectorySource implements KeySource {
  constructor(readonly location: string) {}

  async read(): Promise<KeyRing> {
    const names = (await readdir(this.location)).filter((n) => n.endsWith('.pem') && !n.startsWith('.')).sort();
    if (names.length === 0) throw new KeySourceError(`${this.location} holds no *.pem key`);
    const entries = await Promise.all(names.map((name) => this.entry(name)));
    const active = (await this.named(entries)) ?? newest(entries);
    const byKid = new Map(entries.map((e) => [e.key.kid, e.key]));
    return { active: active.key, keys: [...byKid.values()] };
  }

  private async entry(name: string): Promise<DirEntry> {
    const path = join(this.location, name);
    const [pem, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { name, key: parseKey(pem, name), mtimeMs: info.mtimeMs };
  }

  private async named(entries: DirEntry[]): Promise<DirEntry | undefined> {
    const content = await readFile(join(this.location, ACTIVE_FILE), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (content === undefined) return undefined;
    const value = content.trim();
    // A symlink to (or a copy of) the key itself works too.
    if (value.startsWith('-----BEGIN')) {
      const kid = parseKey(value, ACTIVE_FILE).kid;
      const match = entries.find((e) => e.key.kid === kid);
      if (!match) throw new KeySourceError(`${ACTIVE_FILE} holds a key that no *.pem of the directory holds`);
      return match;
    }
    const match = entries.find((e) => e.name === value);
    // Not echoed: whatever was written there by mistake could be key material.
    if (!match) throw new KeySourceError(`${ACTIVE_FILE} names no *.pem key of the directory`);
    return match;
  }
}

function newest(entries: DirEntry[]): DirEntry {
  return entries.reduce((best, e) => (e.mtimeMs > best.mtimeMs || (e.mtimeMs === best.mtimeMs && e.name > best.name) ? e : best));
}
