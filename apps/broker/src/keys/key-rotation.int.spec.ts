import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ed25519Key } from '@countersign/platform/crypto';
import { expectEventually } from '@countersign/testing';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as harness from '../broker-harness.spec.js';
import type { BrokerHarness } from '../broker-harness.spec.js';

// BROKER_SIGNING_KEYS_DIR, read again every 200 ms: the rotation procedure of the README, step by step.

let h: BrokerHarness;

beforeAll(async () => {
  h = await harness.startBroker({ name: 'broker_keys', keyDir: true, env: { BROKER_KEYS_RELOAD_INTERVAL_MS: '200' } });
});

afterAll(async () => {
  await h?.close();
});

async function jwksKids(): Promise<string[]> {
  const res = await fetch(`${h.base}/.well-known/jwks.json`);
  return ((await res.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
}

async function addKey(name: string, secondsFromNow = 0): Promise<Ed25519Key> {
  const key = Ed25519Key.generate();
  const file = join(h.keys, name);
  await writeFile(file, key.toPem(), { mode: 0o600 });
  // mtime decides which key signs when no `active` file names one; a second apart leaves no doubt.
  const when = new Date(Date.now() + secondsFromNow * 1000);
  await utimes(file, when, when);
  return key;
}

async function claimedGrant(): Promise<{ grant: string; kid: string | undefined }> {
  const i = await harness.allowedIntent(h);
  const res = await harness.claim(h, i.intentId);
  expect(res.status).toBe(200);
  const grant = res.body['grant'] as string;
  return { grant, kid: decodeProtectedHeader(grant).kid };
}

describe('signing key rotation', () => {
  it('a newer key signs new grants at once; grants of the older key still redeem; the JWKS lists both, the active one first', async () => {
    const [first] = await jwksKids();
    const old = await claimedGrant();
    expect(old.kid).toBe(first);

    const second = await addKey('second.pem', 1);
    await expectEventually(async () => expect(await jwksKids()).toEqual([second.kid, first]));
    const fresh = await claimedGrant();
    expect(fresh.kid).toBe(second.kid);
    expect((await harness.redeem(h, old.grant)).status).toBe(200);
    expect((await harness.redeem(h, fresh.grant)).status).toBe(200);
  });

  it('with an `active` file, a new key is published first and signs only once activated; a deleted key verifies nothing any more', async () => {
    const [current] = await jwksKids();
    await writeFile(join(h.keys, 'active'), 'second.pem\n');
    const third = await addKey('third.pem', 2);
    await expectEventually(async () => expect(await jwksKids()).toContain(third.kid));
    expect((await jwksKids())[0]).toBe(current);
    const beforeSwitch = await claimedGrant();
    expect(beforeSwitch.kid).toBe(current);

    await writeFile(join(h.keys, 'active'), 'third.pem\n');
    await expectEventually(async () => expect((await jwksKids())[0]).toBe(third.kid));
    expect((await claimedGrant()).kid).toBe(third.kid);

    // Retiring a key early revokes whatever it signed that is still outstanding.
    await rm(join(h.keys, 'second.pem'));
    await rm(join(h.keys, 'first.pem'));
    await expectEventually(async () => expect(await jwksKids()).toEqual([third.kid]));
    const orphan = await harness.redeem(h, beforeSwitch.grant);
    expect([orphan.status, orphan.body['error'].code]).toEqual([401, 'GRANT_INVALID']);
  });

  it('keeps the set in force when the directory becomes unusable, and says why without quoting any key', async () => {
    const before = await jwksKids();
    await writeFile(join(h.keys, 'broken.pem'), '-----BEGIN PRIVATE KEY-----\nnot-a-key-at-all\n-----END PRIVATE KEY-----\n');
    await expectEventually(() => expect(h.logLines.some((l) => l.includes('broken.pem is not an Ed25519 private key'))).toBe(true));
    expect(await jwksKids()).toEqual(before);
    const during = await claimedGrant();
    expect(during.kid).toBe(before[0]);
    await rm(join(h.keys, 'broken.pem'));
    expect((await harness.redeem(h, during.grant)).status).toBe(200);
    expect(h.logLines.join('')).not.toContain('not-a-key-at-all');
    expect(h.logLines.join('')).not.toContain('PRIVATE KEY');
  });
});
