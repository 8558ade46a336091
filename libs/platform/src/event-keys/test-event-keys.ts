import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_OWNERS, SERVICE_NAMES, type ServiceName } from '@countersign/contracts';
import { Ed25519Key } from '../crypto/ed25519-key.js';
import type { EventPublicKey, EventSigner, ServiceEventSigner } from './event-signature.js';
import { EVENT_KEYS_VARIABLE, EventKeyRing, eventKeysJson, signingKeyVariable } from './key-ring.js';

export interface TestEventKeys {
  dir: string;
  keysFile: string;
  keyFile(service: ServiceName): string;
  /** `<SERVICE>_EVENT_SIGNING_KEY_FILE` of every service and `EVENT_KEYS_FILE`, for a spawned service's environment. */
  env: Record<string, string>;
  ring(service: ServiceName): EventKeyRing;
  signerFor(service: ServiceName): ServiceEventSigner;
  publicKeys: EventPublicKey[];
}

let shared: TestEventKeys | undefined;

// For specs and benchmarks only (services load their keys with EventKeyRing.fromEnv). It lives here rather
// than in libs/testing because platform's own specs use it and testing may not depend back on platform.

/**
 * One key per service for this test process, written once to a temp directory, with the variables set
 * in process.env (unless a test set them) so that services built in-process load them at boot exactly
 * as in production.
 */
export function testEventKeys(): TestEventKeys {
  if (shared) return shared;
  const dir = mkdtempSync(join(tmpdir(), 'countersign-event-keys-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = new Map(SERVICE_NAMES.map((s) => [s, Ed25519Key.generate()] as const));
  const publicKeys: EventPublicKey[] = SERVICE_NAMES.map((service) => ({ service, jwk: { ...keys.get(service)!.publicJwk(), kid: keys.get(service)!.kid } }));
  const keysFile = join(dir, 'event-keys.json');
  writeFileSync(keysFile, JSON.stringify(eventKeysJson(publicKeys), null, 2));
  const env: Record<string, string> = { [EVENT_KEYS_VARIABLE]: keysFile };
  for (const [service, key] of keys) {
    const file = join(dir, `${service}-events.pem`);
    writeFileSync(file, key.toPem(), { mode: 0o600 });
    env[signingKeyVariable(service)] = file;
  }
  for (const [name, value] of Object.entries(env)) process.env[name] ??= value;
  const rings = new Map(SERVICE_NAMES.map((s) => [s, EventKeyRing.create(s, keys.get(s)!, publicKeys)] as const));
  shared = {
    dir,
    keysFile,
    keyFile: (service) => env[signingKeyVariable(service)]!,
    env,
    ring: (service) => rings.get(service)!,
    signerFor: (service) => rings.get(service)!.signer,
    publicKeys,
  };
  return shared;
}

/**
 * A signer for specs that publish as if they were the system's services: each event is signed with the
 * key of the (first) service that owns its type, so consumers accept it exactly as the real one.
 */
export function ownerSigner(): EventSigner {
  const keys = testEventKeys();
  return {
    sign(event) {
      const owners = (EVENT_OWNERS as Record<string, readonly ServiceName[] | undefined>)[event.type];
      if (!owners?.[0]) throw new Error(`no service owns event type ${event.type}`);
      return keys.signerFor(owners[0]).sign(event);
    },
  };
}

/** An event as its owner would put it on the wire (for specs that publish raw, e.g. past JetStream's dedup). */
export function ownerSignedJson(event: { type: string }): string {
  return JSON.stringify({ ...event, signature: ownerSigner().sign(event) });
}
