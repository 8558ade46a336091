import { readFileSync } from 'node:fs';
import { SERVICE_NAMES, type ServiceName } from '@countersign/contracts';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config/index.js';
import { Ed25519Key, type JWK } from '../crypto/ed25519-key.js';
import { EventVerifier, ServiceEventSigner, type EventPublicKey } from './event-signature.js';

/** `INTAKE_EVENT_SIGNING_KEY_FILE` for intake, and so on. */
export function signingKeyVariable(service: ServiceName): string {
  return `${service.toUpperCase()}_EVENT_SIGNING_KEY_FILE`;
}
export const EVENT_KEYS_VARIABLE = 'EVENT_KEYS_FILE';

/** One entry of the keys file: a public Ed25519 JWK and the service that owns it. */
const KeyEntry = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url of 32 bytes'),
  kid: z.string().min(1).max(128),
  alg: z.literal('EdDSA').optional(),
  use: z.literal('sig').optional(),
  service: z.enum(SERVICE_NAMES),
});
/** The keys file: a JWKS whose keys also say which service each belongs to. */
export const EventKeysFile = z.object({ keys: z.array(KeyEntry).min(1) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  for (const [i, k] of file.keys.entries()) {
    if (seen.has(k.kid)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'kid'], message: `kid ${k.kid} is listed twice` });
    seen.add(k.kid);
  }
});
export type EventKeyEntry = z.infer<typeof KeyEntry>;

/** Parses a keys file's JSON into public keys, or throws naming the first problem. */
export function parseEventKeys(json: unknown): EventPublicKey[] {
  const parsed = EventKeysFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  return parsed.data.keys.map(({ service, ...jwk }) => ({ service, jwk: { ...jwk, alg: 'EdDSA', use: 'sig' } }));
}

/** The keys file for these keys (what the launcher writes and what audit exports as `eventKeys`). */
export function eventKeysJson(keys: readonly EventPublicKey[]): { keys: Array<JWK & { kid: string; service: ServiceName }> } {
  return { keys: keys.map(({ service, jwk }) => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig', service })) };
}

/**
 * A service's event keys: its own private key (it signs everything it publishes) and every service's
 * public key with its owner (it verifies everything it consumes). Only kids ever reach logs or JSON.
 */
export class EventKeyRing {
  private constructor(
    readonly signer: ServiceEventSigner,
    readonly verifier: EventVerifier,
  ) {}

  get service(): ServiceName {
    return this.signer.service;
  }

  get kid(): string {
    return this.signer.kid;
  }

  /** Refuses a ring whose own key the keys file does not list under this service: nobody could verify it. */
  static create(service: ServiceName, key: Ed25519Key, publicKeys: readonly EventPublicKey[]): EventKeyRing {
    const listed = publicKeys.find((k) => k.jwk.kid === key.kid);
    if (!listed) throw new Error(`the keys file does not list ${service}'s signing key ${key.kid}`);
    if (listed.service !== service || listed.jwk.x !== key.publicJwk().x) {
      throw new Error(`the keys file lists key ${key.kid} for ${listed.service}, not for ${service}`);
    }
    return new EventKeyRing(new ServiceEventSigner(service, key), new EventVerifier(publicKeys));
  }

  /** Reads `<SERVICE>_EVENT_SIGNING_KEY_FILE` and `EVENT_KEYS_FILE`; every problem names its variable. */
  static fromEnv(service: ServiceName, env: NodeJS.ProcessEnv = process.env): EventKeyRing {
    const keyVar = signingKeyVariable(service);
    const schema = z.object({
      [keyVar]: z.string({ error: `required: path of ${service}'s Ed25519 PKCS8 PEM event signing key` }).min(1, 'must not be empty'),
      [EVENT_KEYS_VARIABLE]: z.string({ error: "required: path of the JSON file of every service's public event key" }).min(1, 'must not be empty'),
    });
    const cfg = loadConfig(service, schema, env) as Record<string, string>;
    return EventKeyRing.fromFiles(service, cfg[keyVar]!, cfg[EVENT_KEYS_VARIABLE]!);
  }

  static fromFiles(service: ServiceName, signingKeyFile: string, keysFile: string): EventKeyRing {
    const keyVar = signingKeyVariable(service);
    const key = readAs(service, keyVar, signingKeyFile, (text) => Ed25519Key.fromPem(text));
    const publicKeys = readAs(service, EVENT_KEYS_VARIABLE, keysFile, (text) => parseEventKeys(JSON.parse(text)));
    try {
      return EventKeyRing.create(service, key, publicKeys);
    } catch (error) {
      throw new ConfigError(service, [`${EVENT_KEYS_VARIABLE}: ${(error as Error).message} (${keyVar}=${signingKeyFile})`]);
    }
  }

  jwks(): ReturnType<typeof eventKeysJson> {
    return eventKeysJson(this.verifier.publicKeys);
  }

  toJSON(): { service: string; kid: string } {
    return { service: this.service, kid: this.kid };
  }
}

/** Reads and parses a key file; a failure names the variable and file, never the contents. */
function readAs<T>(service: string, variable: string, file: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(service, [`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    return parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? 'not JSON' : (error as Error).message;
    throw new ConfigError(service, [`${variable}: ${file} is not usable: ${detail}`]);
  }
}
